"""The small core every feature may import, and which imports no feature.

- `models`: the workshop, its participants and the state of its stages;
- `actors`: who is acting (`Actor`) and the guards every service starts with;
- `checks`: input checks shared by every door (ids, whole numbers, yes/no);
- `stages`: the stage gate (locked, takes input, private until revealed) and the one
  rule for who may see a note;
- `lookups`: finding a workshop, its projector link, a participant's device token;
- `codes`: join codes as people read and type them;
- `targets`: the columns and the integrity of input given to an idea (dots, ratings);
- `clock`: the server's clock, in naive UTC as the database stores it.
"""
