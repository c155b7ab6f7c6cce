"""Cache-aside over many keys at once: look them up, check them, compute the misses, store them.

Every cached algorithm runs this loop once per chunk of its input (and for its side lists:
candidate lists, validity flags). ``CacheAside.values`` is the whole loop; the counters and the
run's single Redis warning stay on the ``WkbCache`` it wraps.
"""

import time

from .wkb_cache import WkbCache


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

    def reading_pays(self, keys: list) -> bool:
        """Whether to read ``keys`` from Redis at all (else they are all computed).

        Today: whenever the cache is on. This is the one place for a decision based on the
        timings gathered so far (reading slower than computing: abandon the cache).
        """
        return self.cache.enabled

    def values(self, keys: list, check, compute, count: bool = True):
        """One value per key: read back where ``check`` accepts it, else ``compute``d and stored.

        ``check(values) -> truth per value`` sees all values read in one call (see
        ``WkbCache.get_checked``). ``compute(indices) -> values`` gets the positions of the
        misses in ``keys`` and returns their values, None for a value not to store (a failure
        the caller handles), or returns None itself when the run was cancelled: then
        ``values`` returns None and stores nothing more.
        """
        if self.reading_pays(keys):
            started = time.perf_counter()
            values = self.cache.get_checked(keys, check, count)
            self.read_seconds += time.perf_counter() - started
            self.values_read += len(keys)
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
        self.compute_seconds += time.perf_counter() - started
        self.values_computed += len(missing)
        stored = []
        for index, value in zip(missing, computed):
            values[index] = value
            if value is not None:
                stored.append((keys[index], value))
        self.cache.set_many(stored)
        return values
