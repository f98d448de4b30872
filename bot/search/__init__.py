"""Catalog search: tokens that work for Chinese and Latin text alike, cross-language expansion."""
