"""Background work for the counter window (login unlock, backups, day close), reported through Qt signals."""
