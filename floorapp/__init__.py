"""floorapp: the call-center floor supervisor's console. Domain rules, services, feed, CLI."""

__version__ = "0.1.0"
