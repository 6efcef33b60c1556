"""Offline evaluation: splitters -> per-list metrics -> collectors, through `recommend()`."""
