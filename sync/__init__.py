"""What the counter and the county share: the ledger's events and rules, and the sync wire contract."""
