"""The HTTP layer of the county endpoint: thin FastAPI routes over county.services."""
