"""Key tenants: synced from crebot.yaml into the database so incidents can refer to them."""
