"""The facilitator's controls, one module per concern.

- `stage_controls`: reveal a private stage, lock or unlock input;
- `timer`: start, pause, extend, clear the countdown (stored as server facts);
- `review`: letting participants look back at earlier stages;
- `moderation`: hide, restore, correct or delete any note;
- `participants`: the list of participants, removing one;
- `counts`: participation per stage (counts only, never who did what).

All are facilitator-only, except `review.ensure_can_view_stage` (participants may look
back when allowed).
"""
