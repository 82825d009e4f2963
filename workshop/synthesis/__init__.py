"""Synthesis across workshops: the same plan run at several sites, compared in one report."""
