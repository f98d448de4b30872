"""Currency rates providers."""
