"""Facilitator accounts: first-run setup, login and logout."""
