"""Duplicate-customer matching: normalisation, keys and comparison helpers."""
