"""Drills on a guarantee period's hot issues (模拟拨测): planning slots for them."""
