"""The real-time boundary: low enough for every feature's `events.py` to use.

- `boundary`: `live_event` (parse, run the service, commit, then broadcast; domain
  errors become error acknowledgements), the connection's `LiveContext`;
- `units`: the retrying unit of work shared with HTTP views and CLI commands (`run_change`);
- `announce`: what a committed change asks to broadcast, implemented above the features
  by `workshop.audiences.broadcast`;
- `rooms`: room names; `presence`: who is online, across processes; `origins`: same-origin
  Socket.IO.

It imports no feature: features import it.
"""

NAMESPACE = "/live"
