"""Geo sets: point layers loaded into Redis sorted sets, searched by radius, box, member, polygon.

One module per job; this package re-exports what the panel, the algorithms and the scripts
use::

    keys       key names under one hash tag, set-name slugs
    geohash    Redis's 52-bit geohash in numpy (GEOADD scores, GEOPOS positions)
    distances  units, Redis's haversine, geodesic distances on WGS 84 (pyproj or QGIS)
    rows       stored attributes as JSON rows
    reading    point layers read for a load (WGS 84, member names, rows)
    resp       hand-encoded RESP commands (numpy ZADD, HSET)
    loading    a load: sorted pre-encoded ZADD/HSET under temporary keys, atomic swap
    cells      the occupied geohash cells recorded at load; nearest from afar over them
    catalog    listing, metadata, deleting
    search     one GEOSEARCH round trip with stored rows; GeoSet, SearchResult
    shapes     search shapes (radius, box, polygon, nearest) and centres (point, member)
    hits       hits as a column table, written to a memory layer or a Processing sink
"""

from .catalog import GeoSetInfo, delete_geoset, geoset_info, list_geosets
from .distances import (
    DISTANCE_MODES,
    EARTH_RADIUS_M,
    ELLIPSOID,
    SPHERE,
    UNIT_METERS,
    UNITS,
    WGS84,
    WGS84_A,
    WGS84_B,
    check_unit,
    geodesic_backend,
    geodesic_m,
    haversine_m,
)
from .geohash import LAT_LIMIT, LON_LIMIT, decode_scores, geohash_scores, valid_mask
from .hits import DISTANCE_FIELD, MEMBER_FIELD, HitTable, hit_fields, hit_layer, write_hits
from .keys import GeoSetKeys, decode_tag, encode_tag, slug
from .loading import TEMP_TTL_SECONDS, LoadResult, load_layer, load_points
from .reading import LayerSnapshot, PointData, background_source, read_points, reads_in_bulk
from .resp import encode_command, encode_hset, encode_zadd
from .rows import decode_rows, encode_row, fields_from_json, fields_to_json
from .search import GeoSet, SearchResult
from .shapes import (
    Box,
    LonLat,
    Member,
    Nearest,
    Polygon,
    Radius,
    box_side_offsets,
    polygons_to_wgs84,
    to_wgs84,
)

__all__ = [
    "DISTANCE_FIELD",
    "DISTANCE_MODES",
    "EARTH_RADIUS_M",
    "ELLIPSOID",
    "LAT_LIMIT",
    "LON_LIMIT",
    "MEMBER_FIELD",
    "SPHERE",
    "TEMP_TTL_SECONDS",
    "UNITS",
    "UNIT_METERS",
    "WGS84",
    "WGS84_A",
    "WGS84_B",
    "Box",
    "GeoSet",
    "GeoSetInfo",
    "GeoSetKeys",
    "HitTable",
    "LayerSnapshot",
    "LoadResult",
    "LonLat",
    "Member",
    "Nearest",
    "PointData",
    "Polygon",
    "Radius",
    "SearchResult",
    "background_source",
    "box_side_offsets",
    "check_unit",
    "decode_rows",
    "decode_scores",
    "decode_tag",
    "delete_geoset",
    "encode_command",
    "encode_hset",
    "encode_row",
    "encode_tag",
    "encode_zadd",
    "fields_from_json",
    "fields_to_json",
    "geodesic_backend",
    "geodesic_m",
    "geohash_scores",
    "geoset_info",
    "haversine_m",
    "hit_fields",
    "hit_layer",
    "list_geosets",
    "load_layer",
    "load_points",
    "polygons_to_wgs84",
    "read_points",
    "reads_in_bulk",
    "slug",
    "to_wgs84",
    "valid_mask",
    "write_hits",
]
