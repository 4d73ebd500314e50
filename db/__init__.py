"""The floor store: models, engine, queries. Knows nothing of the UI."""
