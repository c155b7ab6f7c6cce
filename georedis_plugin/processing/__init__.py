"""GeoRedis Processing provider and its algorithms."""
