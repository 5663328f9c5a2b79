"""parts: filled by its own issue; the app exists so the house plan holds."""
