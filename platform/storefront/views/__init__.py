"""Subscriber pages, one module per concern; each view finds the profile and asks the services."""
