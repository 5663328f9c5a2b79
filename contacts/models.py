"""Models of the contacts app (built by a later issue)."""
