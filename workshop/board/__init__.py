"""The board: sticky notes posted to a stage's prompt."""
