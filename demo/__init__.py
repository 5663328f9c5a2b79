"""Demo data for `seed_demo`: vocabulary, a deterministic generator, planted duplicates, and
the activity and gold-card programme written through every app's services. It sits above
all the apps (ARCHITECTURE.md, floors): it imports any of them, none of them imports it."""
