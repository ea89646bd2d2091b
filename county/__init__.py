"""The county endpoint and console (县级端)."""
