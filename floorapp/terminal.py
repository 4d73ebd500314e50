"""Terminal settings decided before Textual is imported: frame rate and colours for SSH links.

Textual reads ``TEXTUAL_FPS`` and ``TEXTUAL_COLOR_SYSTEM`` once, at import time, so the
console command calls :func:`prepare_environment` first thing. Values a user set win.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

LOCAL_FPS = 30
# "60fps over the wire is excessive" (textual PR #2966): a floor console changes once a
# second; 10 frames a second still feels immediate when typing and keeps bytes/s low.
SSH_FPS = 10


def color_system_for(env: MutableMapping[str, str]) -> str | None:
    """What the terminal supports when COLORTERM is missing (ssh does not forward it).

    None leaves Textual's own detection in charge (NO_COLOR, COLORTERM, TERM).
    """
    if env.get("NO_COLOR") or env.get("COLORTERM"):
        return None
    term = env.get("TERM", "")
    if term.endswith(("-direct", "-truecolor")):
        return "truecolor"
    if "256color" in term:
        return "256"
    if term in ("xterm", "screen", "tmux", "vt220", "linux", "xterm-color", "rxvt"):
        return "standard"
    return None


def prepare_environment(over_ssh: bool, env: MutableMapping[str, str] | None = None) -> None:
    env = os.environ if env is None else env
    env.setdefault("TEXTUAL_FPS", str(SSH_FPS if over_ssh else LOCAL_FPS))
    system = color_system_for(env)
    if system is not None:
        env.setdefault("TEXTUAL_COLOR_SYSTEM", system)
