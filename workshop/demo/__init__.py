"""`workshop demo`: a whole workshop in about a minute, played by simulated phones.

Training a facilitator, or showing the product to a health region, needs a
room full of people typing. This module stands in for them: it creates a demo
workshop from a plan (the only direct database writes), then drives it
against a *running* server exactly as real devices would — the facilitator
logs in through the login form, each participant opens the join link and
connects a Socket.IO client to `/live` — so a browser on the projector view
sees every note, group, dot and rating arrive live.

The driver walks the plan's stages in order: write stages get 1–3 notes per
participant from a small built-in bank about family health units (USF); the
facilitator groups cluster stages by theme; in vote stages every participant
spends their dots within the budget and cap the server reports, then the
facilitator closes the vote; in rate stages every participant places every
candidate on the two axes. It waits `pace` seconds between steps so people can
follow, prints a line per step, and stops at the last stage.

The package is split by what changes for different reasons:
- `content`: what the simulated phones say (a bank of notes about USF), and how
  the facilitator groups them;
- `setup`: the demo account and workshop (the only direct database writes);
- `client`: the network side, an HTTP + Socket.IO client that behaves like a phone
  or a facilitator's browser;
- `scenario`: the run, stage by stage.
"""
