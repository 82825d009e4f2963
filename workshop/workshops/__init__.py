"""Workshops: creating one from a plan, joining it, and moving through its stages."""
