"""Commitments: the room turns selected ideas into actions (what, who as a role, by when,
the indicator to watch), and facilitators follow them up after the workshop with a dated
status history."""
