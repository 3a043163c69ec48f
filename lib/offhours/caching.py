"""Per-search caches that hostile data cannot grow without bound.

A search may bring endless distinct field values (a fuzzer, a log of garbage, a value per
event): every cache the engine keeps per value goes through :func:`remember`, which empties
a full cache before adding to it and never keeps a key longer than any real zone or profile
name, so memory stays within a few megabytes whatever arrives.

>>> cache = {}
>>> remember(cache, "Europe/Berlin", 1, limit=2), remember(cache, "x" * 100, 2), sorted(cache)
(1, 2, ['Europe/Berlin'])
>>> remember(cache, "a", 3, limit=2), remember(cache, "b", 4, limit=2), sorted(cache)
(3, 4, ['b'])
"""
# Distinct values a search keeps per cache: a search with a few hundred zones or profiles
# never empties one.
MAX_ENTRIES = 4096
# The longest zone name has 32 characters; longer values are judged again at each event.
MAX_KEY_LENGTH = 64


def remember(cache, key, value, limit=MAX_ENTRIES):
    """``value``, kept in ``cache`` under ``key`` (a full cache is emptied first) unless
    ``key`` is text longer than :data:`MAX_KEY_LENGTH`."""
    if type(key) is str and len(key) > MAX_KEY_LENGTH:
        return value
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
