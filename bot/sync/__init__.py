"""Keeping the catalog in step with its sources: the engine, the sources, the scheduled jobs."""
