"""Figures a supervisor can trust: the only place floorapp adds up calls and time.

- ``clock``: the floor's clock (wall clock while the feed is live, its last event after);
- ``day``: the centre's day (settings' time zone and day start);
- ``service_level``: service level by named definition;
- ``queue``: what each call counts for, and the tallies of them;
- ``model``: the figures of any interval per floor, queue, team and agent, abandoned calls;
- ``live``: the console's figures, kept up to date by the calls that changed;
- ``text``: the few strings every route shows alike (header parts, quiet feed).

docs/figures.md defines each figure and says where it agrees with Asterisk's own.
"""
