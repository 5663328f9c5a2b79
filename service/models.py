"""Models of the service app (built by a later issue)."""
