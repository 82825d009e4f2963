"""Real-time layer: Socket.IO connections, rooms, the state a client receives, broadcasts.

Feature packages register their event handlers through :func:`live_event`,
which is the one boundary for Socket.IO: parse, call the service, commit, then
broadcast; domain errors become error acknowledgements.
"""

NAMESPACE = "/live"
