"""Models of the tagging app."""
