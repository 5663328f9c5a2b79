"""Models of the parts app (built by a later issue)."""
