"""Terminal settings for SSH links: colours from TERM when COLORTERM is not forwarded."""

from __future__ import annotations

from floorapp.terminal import SSH_FPS, color_system_for, prepare_environment


def test_colour_follows_term_when_colorterm_is_missing() -> None:
    assert color_system_for({"TERM": "xterm-256color"}) == "256"
    assert color_system_for({"TERM": "xterm"}) == "standard"
    assert color_system_for({"TERM": "xterm", "COLORTERM": "truecolor"}) is None
    assert color_system_for({"TERM": "xterm-256color", "NO_COLOR": "1"}) is None


def test_ssh_gets_a_low_frame_rate_unless_the_user_chose_one() -> None:
    env = {"TERM": "xterm"}
    prepare_environment(True, env)
    assert env["TEXTUAL_FPS"] == str(SSH_FPS) and env["TEXTUAL_COLOR_SYSTEM"] == "standard"
    env = {"TERM": "xterm", "TEXTUAL_FPS": "60"}
    prepare_environment(True, env)
    assert env["TEXTUAL_FPS"] == "60"
