"""The Textual console: screens, widgets, styles. Reads and writes only through services."""
