"""Clusters: named groups of notes (themes, insights, candidate reform ideas)."""
