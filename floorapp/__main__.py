"""`python -m floorapp` is the same as the `floorapp` command."""

from floorapp.cli import run

run()
