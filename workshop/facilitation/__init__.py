"""Running the room: reveal, lock, timer, moderation, participants, presence."""
