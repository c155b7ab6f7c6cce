"""Core logic of GeoRedis, free of Qt widgets: settings, Redis connection, caches, geo sets."""
