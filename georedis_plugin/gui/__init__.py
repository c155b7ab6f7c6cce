"""GeoRedis widgets: dock, settings dialog, map tools. They call into core, never the reverse."""
