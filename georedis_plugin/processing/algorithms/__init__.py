"""One module per GeoRedis Processing algorithm."""
