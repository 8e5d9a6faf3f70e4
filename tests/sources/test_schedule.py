"""When a source is polled next (interval, backoff, Retry-After), how often, and silence."""

from datetime import UTC, datetime, timedelta

import pytest

from monitor.sources.schedule import adaptive_interval, is_silent, next_poll_at

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MIN, MAX = 120.0, 3600.0


def every(seconds: float, count: int, *, end: datetime = NOW) -> list[datetime]:
    """`count` publication times `seconds` apart, the newest at `end`."""
    return [end - timedelta(seconds=seconds * i) for i in range(count)]


def interval(published: list[datetime], current: float = 300.0, **bounds: float) -> float:
    limits = {"min_s": MIN, "max_s": MAX, **bounds}
    return adaptive_interval(published, NOW, current_s=current, **limits)


# --- next_poll_at ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval_s", "failures", "seconds"),
    [
        (300, 0, 300),
        (300, 1, 600),
        (300, 2, 1200),
        (300, 5, 9600),
        (300, 7, 6 * 3600),  # capped
        (300, 60, 6 * 3600),
        (86400, 3, 86400),  # the cap never shortens a long interval
    ],
)
def test_feed_backoff(interval_s, failures, seconds):
    assert next_poll_at(NOW, interval_s, failures) == NOW + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("failures", "not_before_s", "seconds"),
    [
        (0, 1800, 1800),  # Retry-After beyond the interval wins
        (0, 60, 300),  # an earlier not_before never polls sooner than the interval
        (2, 600, 1200),  # nor sooner than the backoff
        (0, -60, 300),  # a time already past changes nothing
        (0, 3 * 86400, 6 * 3600),  # capped like the backoff
    ],
)
def test_not_before(failures, not_before_s, seconds):
    not_before = NOW + timedelta(seconds=not_before_s)
    assert next_poll_at(NOW, 300, failures, not_before) == NOW + timedelta(seconds=seconds)


# --- adaptive_interval ----------------------------------------------------------------------


def test_busy_agency_settles_at_the_minimum():
    assert interval(every(180, 400)) == MIN  # an item every 3 minutes


def test_quiet_regional_site_settles_at_the_maximum():
    assert interval(every(8 * 3600, 30)) == MAX  # three stories a day


def test_between_the_bounds_a_third_of_the_median_gap():
    assert interval(every(1800, 50)) == 600.0
    irregular = [NOW - timedelta(minutes=m) for m in (0, 20, 50, 80, 200, 700)]
    assert interval(irregular) == 600.0  # gaps 20, 30, 30, 120, 500 min: median 30


def test_bursts_count_as_one_publication():
    # Ten stories within 20 s at 09:00 each day: a daily site, not a minute-by-minute one.
    days = [NOW.replace(hour=9) - timedelta(days=d) for d in range(7)]
    bursty = [day + timedelta(seconds=2 * i) for day in days for i in range(10)]
    assert interval(bursty) == MAX
    # Two stories a minute or more apart are two publications.
    assert interval(every(60, 100)) == MIN


@pytest.mark.parametrize(
    "published",
    [
        [],
        [NOW - timedelta(hours=1)],
        [NOW - timedelta(hours=1), NOW - timedelta(hours=2)],
        [NOW - timedelta(seconds=s) for s in (0, 10, 20, 30)],  # one burst
        every(600, 50, end=NOW - timedelta(days=15)),  # all older than two weeks
        every(600, 50, end=NOW + timedelta(days=2)),  # mis-stamped in the future
    ],
    ids=["none", "one", "two", "one-burst", "too-old", "future"],
)
def test_too_few_dates_keep_the_current_interval(published):
    assert interval(published, current=420.0) == 420.0


def test_unordered_and_duplicate_dates_give_the_same_interval():
    dates = every(1800, 50)
    assert interval(dates[::-1] + dates) == interval(dates) == 600.0


def test_only_the_last_two_weeks_count():
    old_busy = every(60, 500, end=NOW - timedelta(days=20))
    assert interval(old_busy + every(1800, 50)) == 600.0


@pytest.mark.parametrize(
    ("gap_s", "min_s", "max_s", "expected"),
    [
        (180, 300, 3600, 300),  # clamped up
        (180, 30, 3600, 60),  # a lower minimum lets it follow
        (86400, 120, 7200, 7200),  # clamped down
        (86400, 120, 86400, 28800),
    ],
)
def test_bounds(gap_s, min_s, max_s, expected):
    assert interval(every(gap_s, 14), min_s=min_s, max_s=max_s) == expected


# --- is_silent ------------------------------------------------------------------------------


def test_busy_source_silent_past_the_floor():
    busy = every(180, 200, end=NOW - timedelta(hours=7))
    assert is_silent(busy, NOW)
    assert not is_silent(busy, NOW - timedelta(hours=2))  # 5 h quiet: under the 6 h floor
    assert not is_silent(busy, NOW, floor_s=8 * 3600)


def test_quiet_source_silent_past_factor_times_its_gap():
    quiet = every(8 * 3600, 30)  # median gap 8 h: silent after 40 h
    assert not is_silent(quiet, NOW + timedelta(hours=39))
    assert is_silent(quiet, NOW + timedelta(hours=41))
    assert not is_silent(quiet, NOW + timedelta(hours=41), factor=6.0)


def test_still_silent_after_two_weeks_of_nothing():
    assert is_silent(every(3600, 100, end=NOW - timedelta(days=30)), NOW)


@pytest.mark.parametrize(
    "published",
    [
        [],
        [NOW - timedelta(days=3)],
        [NOW - timedelta(days=3), NOW - timedelta(days=4)],
        [NOW - timedelta(days=3, seconds=s) for s in (0, 5, 10)],  # one burst
        every(3600, 100, end=NOW - timedelta(hours=1)),  # publishing as usual
        every(3600, 100, end=NOW + timedelta(minutes=5)),  # a few minutes ahead of us
    ],
    ids=["never", "one", "two", "one-burst", "active", "slightly-ahead"],
)
def test_not_silent(published):
    assert not is_silent(published, NOW)


def test_far_future_dates_do_not_hide_a_silence():
    stopped = every(180, 200, end=NOW - timedelta(hours=12))
    assert is_silent([*stopped, NOW + timedelta(days=1)], NOW)
