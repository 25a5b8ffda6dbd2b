"""The HTTP edge: health, metrics, error answers, and the routers of each feature."""
