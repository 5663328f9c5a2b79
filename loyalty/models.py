"""Models of the loyalty app (built by a later issue)."""
