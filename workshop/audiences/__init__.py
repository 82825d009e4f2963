"""What each audience sees: the assembly above the features.

- `state`: the full state a facilitator console, a projector or a phone draws from;
- `broadcast`: the announcements committed changes ask for (installed into the live
  boundary by the application factory), sent to the workshop's rooms;
- `events`: connecting, disconnecting, heartbeats, `sync` and looking back at a stage.

It imports the features; no feature imports it.
"""
