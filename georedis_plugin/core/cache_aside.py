"""Cache-aside over many keys at once: look them up, check them, compute the misses, store them.

Every cached algorithm runs this loop once per chunk of its input (and for its side lists:
candidate lists, validity flags). ``CacheAside.values`` is the whole loop; the counters and the
run's single Redis warning stay on the ``WkbCache`` it wraps.
"""

import contextlib
import time

from ..i18n import tr
from .clients import reply_deadline
from .wkb_cache import WkbCache

# Reading a kind of value (geometries, candidate lists) must cost less than computing it,
# judged over at least MIN_READ_SECONDS of reading (shorter is noise). Below SLOW_READ a value
# reading always pays: a healthy server answers an MGET of 500 values over a LAN in well
# under 50 ms (0.1 ms a value), and a list cheaper to compute than to read is still cheap.
# Once computing has been timed, a read may take at most READ_BUDGET_FACTOR times what
# computing its values would (no less than MIN_READ_BUDGET seconds).
MIN_READ_SECONDS = 0.2
SLOW_READ = 0.001
READ_BUDGET_FACTOR = 2.0
MIN_READ_BUDGET = 0.25


class CacheAside:
    """The cache-aside loop of one algorithm run, over a ``WkbCache``.

    It also times its reads and the computing of misses (``read_seconds``,
    ``compute_seconds``, ``values_read``, ``values_computed``): ``reading_pays`` is where a
    run may decide to stop reading a cache that is slower than computing (issue 13, item 5).
    """

    def __init__(self, cache: WkbCache):
        self.cache = cache
        self.read_seconds = 0.0
        self.compute_seconds = 0.0
        self.values_read = 0
        self.values_computed = 0
        self._timings = {}  # kind -> [read s, values read, compute s, values computed]

    def reading_pays(self, keys: list, kind="") -> bool:
        """Whether to read ``keys`` (values of ``kind``) from Redis at all, else compute them.

        No once reading this kind of value has proved slower than computing it (a slow link
        or server): then the cache is left for the rest of the run, with one warning.
        """
        if not self.cache.enabled:
            return False
        read, n_read, computed, n_computed = self._timings.get(kind, (0.0, 0, 0.0, 0))
        if read < MIN_READ_SECONDS or not n_computed:
            return True
        per_read, per_compute = read / n_read, computed / n_computed
        if per_read <= max(per_compute, SLOW_READ):
            return True
        self._abandon(per_read, per_compute)
        return False

    def _read_budget(self, count: int, kind):
        """Seconds reading ``count`` values of ``kind`` may take (None: the read timeout)."""
        _read, _n_read, computed, n_computed = self._timings.get(kind, (0.0, 0, 0.0, 0))
        if not n_computed:
            return None
        per_value = max(computed / n_computed, SLOW_READ)
        return max(MIN_READ_BUDGET, READ_BUDGET_FACTOR * per_value * count)

    def _abandon(self, per_read: float, per_compute: float) -> None:
        self.cache.enabled = False
        self.cache.warning = tr(
            "Reading the cache was slower than computing ({read:.1f} ms against {compute:.1f} "
            "ms a value): GeoRedis computes the rest of this run without the cache. Check "
            "the link to the Redis server."
        ).format(read=per_read * 1000, compute=per_compute * 1000)

    def values(self, keys: list, check, compute, count: bool = True):
        """One value per key: read back where ``check`` accepts it, else ``compute``d and stored.

        ``check(values) -> truth per value`` sees all values read in one call (see
        ``WkbCache.get_checked``). ``compute(indices) -> values`` gets the positions of the
        misses in ``keys`` and returns their values, None for a value not to store (a failure
        the caller handles), or returns None itself when the run was cancelled: then
        ``values`` returns None and stores nothing more.
        """
        kind = getattr(compute, "__qualname__", "")  # the call site: geometries, lists, ...
        timings = self._timings.setdefault(kind, [0.0, 0, 0.0, 0])
        if self.reading_pays(keys, kind):
            budget = self._read_budget(len(keys), kind)
            started = time.perf_counter()
            with reply_deadline(budget) if budget else contextlib.nullcontext():
                values = self.cache.get_checked(keys, check, count)
            seconds = time.perf_counter() - started
            self.read_seconds += seconds
            self.values_read += len(keys)
            timings[0] += seconds
            timings[1] += len(keys)
            if budget and not self.cache.enabled and seconds >= budget:
                # cut short by the budget, not by Redis failing: say so
                self._abandon(seconds / len(keys), timings[2] / timings[3])
        else:
            values = [None] * len(keys)
            if count:
                self.cache.misses += len(keys)
        missing = [i for i, value in enumerate(values) if value is None]
        if not missing:
            return values
        started = time.perf_counter()
        computed = compute(missing)
        if computed is None:
            return None
        seconds = time.perf_counter() - started
        self.compute_seconds += seconds
        self.values_computed += len(missing)
        timings[2] += seconds
        timings[3] += len(missing)
        stored = []
        for index, value in zip(missing, computed):
            values[index] = value
            if value is not None:
                stored.append((keys[index], value))
        self.cache.set_many(stored, background=True)  # beside the writing
        return values
