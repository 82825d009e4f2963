"""Importing field notes from a spreadsheet (CSV) into a workshop, ready to cluster."""
