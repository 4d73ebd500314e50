"""The event feed: parsers (JSONL, Asterisk queue_log), the store writer, following a file."""
