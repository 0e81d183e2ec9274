"""Models of the artwork app."""
