"""A simulated fleet for demos and `make bench live`: N vehicles driving in an extent, each
reporting its position at a given rate to a live stream, in the wire format with plain XADD.

    python -m scripts.fleet --vehicles 200 --rate 1 --duration 600 --name fleet

Vehicles drive straight at 30-120 km/h and turn back at the extent's edges; attributes:
``speed`` (km/h) and ``heading`` (degrees). Reports are spread over each second (10 ticks),
so the load is even. ``--fold`` also folds the server's state once a second (readers do
that anyway). Without GEOREDIS_URL, the local Redis of `make demo` is used.
"""

import argparse
import json
import math
import sys
import time

import numpy
import redis

from georedis_plugin.core.live.fold import DEFAULT_RETENTION_S, fold
from georedis_plugin.core.live.keys import LiveKeys

TICKS_PER_SECOND = 10
DEFAULT_EXTENT = (-5.0, 42.0, 16.0, 55.0)  # western Europe, over world_map's countries


class Fleet:
    def __init__(self, vehicles: int, extent=DEFAULT_EXTENT, seed: int = 14):
        self.rng = numpy.random.default_rng(seed)
        self.extent = extent
        xmin, ymin, xmax, ymax = extent
        self.lon = self.rng.uniform(xmin, xmax, vehicles)
        self.lat = self.rng.uniform(ymin, ymax, vehicles)
        self.heading = self.rng.uniform(0, 360, vehicles)
        self.speed = self.rng.uniform(30, 120, vehicles)  # km/h
        self.ids = [f"vehicle {n:05d}" for n in range(vehicles)]

    def move(self, seconds: float, which) -> None:
        """Advance the vehicles ``which`` (an index array) by ``seconds``."""
        km = self.speed[which] * seconds / 3600.0
        radians = numpy.radians(self.heading[which])
        self.lat[which] += km * numpy.cos(radians) / 111.32
        self.lon[which] += (
            km * numpy.sin(radians) / (111.32 * numpy.cos(numpy.radians(self.lat[which])))
        )
        xmin, ymin, xmax, ymax = self.extent
        out = (
            (self.lon[which] < xmin)
            | (self.lon[which] > xmax)
            | (self.lat[which] < ymin)
            | (self.lat[which] > ymax)
        )
        turned = which[out]
        self.heading[turned] = (self.heading[turned] + 180.0) % 360.0
        self.lon[turned] = numpy.clip(self.lon[turned], xmin, xmax)
        self.lat[turned] = numpy.clip(self.lat[turned], ymin, ymax)

    def entries(self, which, ts_ms: int):
        for i in which:
            yield {
                "id": self.ids[i],
                "lon": f"{self.lon[i]:.6f}",
                "lat": f"{self.lat[i]:.6f}",
                "ts": str(ts_ms),
                "speed": f"{self.speed[i]:.0f}",
                "heading": f"{self.heading[i]:.0f}",
            }


def write(client, keys: LiveKeys, entries, retention_s: float) -> int:
    pipe = client.pipeline(transaction=False)
    minid = int((time.time() - retention_s) * 1000) if retention_s > 0 else None
    for fields in entries:
        if minid is None:
            pipe.xadd(keys.stream, fields)
        else:
            pipe.xadd(keys.stream, fields, minid=minid, approximate=True)
    return len(pipe.execute())


class Rate:
    """Entries written in each second since the start, for the achieved rate."""

    def __init__(self):
        self.per_second = []
        self.seconds = 0.0

    def add(self, elapsed: float, count: int) -> None:
        second = int(elapsed)
        self.per_second.extend([0] * (second + 1 - len(self.per_second)))
        self.per_second[second] += count

    def summary(self) -> dict:
        """Total, mean rate and slowest whole second (the last, partial one left out)."""
        whole = self.per_second[: int(self.seconds)] or self.per_second
        total = sum(self.per_second)
        return {
            "written": total,
            "seconds": round(self.seconds, 3),
            "rate": total / self.seconds if self.seconds else 0.0,
            "slowest_second": min(whole) if whole else 0,
        }


def run(
    client,
    keys: LiveKeys,
    vehicles: int,
    rate: float,
    duration: float,
    retention_s: float = DEFAULT_RETENTION_S,
    do_fold: bool = False,
    extent=DEFAULT_EXTENT,
    stop=None,
    progress=None,
    achieved=None,
) -> int:
    """Drive the fleet for ``duration`` seconds (0: until ``stop`` is set); entries written.

    Each tick writes the reports due by its end, counted from the start: a tick that comes
    late (the machine busy) writes the ones it owes, so the rate holds on average instead of
    losing the late ticks (a schedule of one tick's share per wake-up reached 7,700-8,800 of
    10,000 updates/s beside the reader on 2 cores). ``achieved`` (a Rate) gets the counts.
    """
    fleet = Fleet(vehicles, extent)
    tick = 1.0 / TICKS_PER_SECOND
    # each tick reports the vehicles whose turn it is: vehicles * rate reports a second
    per_tick = vehicles * rate / TICKS_PER_SECOND
    most = max(1, int(vehicles * rate))  # at most one second's reports in one pipeline
    started = time.monotonic()
    written, next_vehicle, last_fold = 0, 0, started
    period = 1.0 / rate if rate > 0 else 1.0
    last_tick = round(duration * TICKS_PER_SECOND) if duration else None
    while not (stop is not None and stop.is_set()):
        now = time.monotonic()
        elapsed = now - started
        ticks = math.floor(elapsed / tick) + 1
        if last_tick is not None:
            ticks = min(ticks, last_tick)
            # the end: once the last tick's reports are written (a last tick that woke after
            # the end still writes the reports it owes)
            if elapsed >= duration and written >= int(last_tick * per_tick):
                break
        count = min(int(ticks * per_tick) - written, most)
        if count > 0:
            which = (numpy.arange(count) + next_vehicle) % vehicles
            next_vehicle = (next_vehicle + count) % vehicles
            fleet.move(period, which)
            entries = fleet.entries(which, int(time.time() * 1000))
            written += write(client, keys, entries, retention_s)
            if achieved is not None:
                achieved.add(elapsed, count)
        if do_fold and now - last_fold >= 1.0:
            fold(client, keys, retention_s=retention_s)
            last_fold = now
        if progress is not None:
            progress(written)
        if int(ticks * per_tick) > written:
            continue  # behind: no sleep
        time.sleep(max(0.0, started + ticks * tick - time.monotonic()))
    if achieved is not None:
        achieved.seconds = time.monotonic() - started
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="", help="Redis URL (default: GEOREDIS_URL or local)")
    parser.add_argument("--prefix", default="georedis")
    parser.add_argument("--name", default="fleet", help="live stream name")
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1.0, help="reports per vehicle a second")
    parser.add_argument("--duration", type=float, default=0, help="seconds (0: until Ctrl+C)")
    parser.add_argument("--retention", type=float, default=DEFAULT_RETENTION_S)
    parser.add_argument("--fold", action="store_true", help="fold the state once a second")
    parser.add_argument("--json", action="store_true", help="end with the achieved rate as JSON")
    parser.add_argument(
        "--extent",
        default=",".join(map(str, DEFAULT_EXTENT)),
        help="xmin,ymin,xmax,ymax in degrees",
    )
    args = parser.parse_args(argv)
    extent = tuple(float(v) for v in args.extent.split(","))
    keys = LiveKeys.for_name(args.prefix, args.name)

    def drive(url):
        client = redis.Redis.from_url(url)
        print(f"{args.vehicles} vehicles at {args.rate:g} Hz to {keys.stream} on {url}", flush=True)
        achieved = Rate()
        try:
            run(
                client,
                keys,
                args.vehicles,
                args.rate,
                args.duration,
                args.retention,
                args.fold,
                extent,
                achieved=achieved,
            )
        except KeyboardInterrupt:
            return 0
        summary = achieved.summary()
        print(
            f"{summary['written']} entries written in {summary['seconds']:.1f} s: "
            f"{summary['rate']:.0f}/s, slowest second {summary['slowest_second']}",
            flush=True,
        )
        if args.json:
            print(json.dumps(summary), flush=True)
        return 0

    if args.url:
        return drive(args.url)
    from scripts.local_redis import local_redis

    with local_redis() as url:
        return drive(url)


if __name__ == "__main__":
    sys.exit(main())
