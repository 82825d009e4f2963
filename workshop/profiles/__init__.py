"""Profiles: who took part, by role, site or years in service — never who said what.

Participants may answer the plan's profile questions at join (optional). Their answers
only ever feed breakdowns of closed votes and ended ratings, and every breakdown passes
the anonymity floor (`floor.apply_floor`): no group smaller than the workshop's k is
shown, on screen or in any export.
"""
