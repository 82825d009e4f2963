"""Dot voting: a budget of dots per participant, a cap per item, totals hidden until closed."""
