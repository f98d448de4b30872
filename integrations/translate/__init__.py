"""Machine translation providers."""
