"""Suggested groups of similar notes for a cluster stage (a pure function, no I/O)."""

from workshop.suggestions.suggester import NoteText, SuggestedGroup, suggest_groups

__all__ = ["NoteText", "SuggestedGroup", "suggest_groups"]
