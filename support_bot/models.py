"""Models of the support_bot app."""
