"""georedis:intersection writes GeoPackages like native does, even when pieces share a fid."""

from tests.algorithm_runs import run
from tests.layers import WORLD_MAP
from tests.parity import assert_same_output


def test_pieces_of_one_feature_do_not_clash_on_the_geopackage_fid(provider, redis_url, tmp_path):
    # A GeoPackage input exposes its primary key as a "fid" field; every piece of a state
    # cut by two countries carries the same value, which must not become the output's key.
    buffered = str(tmp_path / "buffered.gpkg")
    run(
        "native:buffer",
        {"INPUT": f"{WORLD_MAP}|layername=states_provinces", "DISTANCE": 0.2, "OUTPUT": buffered},
    )
    countries = (
        f"{WORLD_MAP}|layername=countries|subset=\"iso_a2\" IN ('FR','DE','BE','CH','AT','IT')"
    )
    params = {"INPUT": buffered, "OVERLAY": countries}
    ours, _ = run("georedis:intersection", {**params, "OUTPUT": str(tmp_path / "ours.gpkg")})
    native, _ = run("native:intersection", {**params, "OUTPUT": str(tmp_path / "native.gpkg")})
    assert ours.featureCount() == native.featureCount() > 0
    assert_same_output(ours, native)
