"""lib/offhours/caching.py: caches that hostile values cannot grow."""
from offhours.caching import MAX_ENTRIES, MAX_KEY_LENGTH, remember


def test_a_full_cache_is_emptied_before_the_next_value():
    cache = {}
    for number in range(MAX_ENTRIES + 1):
        assert remember(cache, f"zone{number}", number) == number
    assert cache == {f"zone{MAX_ENTRIES}": MAX_ENTRIES}


def test_long_text_keys_are_never_kept_but_their_value_is_returned():
    cache = {}
    assert remember(cache, "x" * (MAX_KEY_LENGTH + 1), "value") == "value"
    assert cache == {}
    remember(cache, "x" * MAX_KEY_LENGTH, "kept")
    assert list(cache.values()) == ["kept"]


def test_other_keys_are_kept_whatever_their_size():
    cache = {}
    remember(cache, ("clock", 60 * 10**9), "bucket", limit=2)
    assert cache == {("clock", 60 * 10**9): "bucket"}
