"""Demo data for `seed_demo`: vocabulary, a deterministic generator, planted duplicates."""
