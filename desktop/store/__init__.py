"""The counter's local store: the encrypted SQLite event log and the projections derived from it."""
