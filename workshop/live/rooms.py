"""Room names come from here only, so emitters and joiners cannot disagree."""

AUDIENCES = ("facilitator", "screen", "participant")


def audience_room(workshop_id: int, audience: str) -> str:
    """Everyone of one audience in one workshop, e.g. all phones of workshop 7."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    return f"workshop:{workshop_id}:{audience}"


def participant_room(participant_id: int) -> str:
    """All connections of one participant (a phone may have two tabs open)."""
    return f"participant:{participant_id}"
