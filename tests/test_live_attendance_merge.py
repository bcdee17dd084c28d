"""Interval merging, clipping and the threshold: pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lms.live.attendance import connection_end, merge_intervals, share_attended, total_seconds

T0 = datetime(2024, 7, 22, 9, 0, tzinfo=timezone.utc)
END = T0 + timedelta(minutes=100)
STALE = timedelta(minutes=2)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def minutes_of(intervals) -> float:
    return total_seconds(merge_intervals(intervals, T0, END)) / 60


def test_disjoint_intervals_add_up():
    assert minutes_of([(at(0), at(10)), (at(20), at(30))]) == 20
    assert merge_intervals([(at(20), at(30)), (at(0), at(10))], T0, END) == [(at(0), at(10)), (at(20), at(30))]


def test_overlapping_intervals_count_once():
    assert minutes_of([(at(0), at(40)), (at(30), at(60))]) == 60
    assert merge_intervals([(at(0), at(40)), (at(30), at(60))], T0, END) == [(at(0), at(60))]


def test_nested_interval_adds_nothing():
    assert minutes_of([(at(0), at(90)), (at(10), at(20))]) == 90


def test_adjacent_intervals_merge():
    assert merge_intervals([(at(0), at(30)), (at(30), at(50))], T0, END) == [(at(0), at(50))]


def test_two_tabs_of_one_person_count_once():
    tab_one = (at(0), at(80))
    tab_two = (at(5), at(80))
    assert minutes_of([tab_one, tab_two]) == 80


def test_reconnect_gap_is_not_counted():
    assert minutes_of([(at(0), at(40)), (at(45), at(100))]) == 95


def test_clipped_to_the_scheduled_window():
    early_and_late = (T0 - timedelta(minutes=30), END + timedelta(minutes=30))
    assert minutes_of([early_and_late]) == 100
    assert minutes_of([(T0 - timedelta(hours=2), T0 - timedelta(hours=1))]) == 0
    assert merge_intervals([(END, END + timedelta(minutes=5))], T0, END) == []


def test_nothing_yet_before_the_session_starts():
    now = T0 - timedelta(minutes=10)
    end = connection_end(now - timedelta(minutes=5), None, now, now, STALE)
    assert minutes_of([(now - timedelta(minutes=5), end)]) == 0


def test_open_connection_counts_up_to_now():
    now = at(50)
    assert connection_end(at(10), None, at(49.5), now, STALE) == now
    assert minutes_of([(at(10), connection_end(at(10), None, at(49.5), now, STALE))]) == 40


def test_stale_connection_counts_up_to_last_seen():
    now = at(90)
    assert connection_end(at(10), None, at(30), now, STALE) == at(30)


def test_closed_connection_ends_when_it_left():
    assert connection_end(at(10), at(20), at(20), at(90), STALE) == at(20)


def test_empty_and_inverted_intervals_are_ignored():
    assert merge_intervals([], T0, END) == []
    assert merge_intervals([(at(10), at(10)), (at(20), at(15))], T0, END) == []


@pytest.mark.parametrize("present, threshold, expected", [
    (75, 75, True),  # exactly the threshold counts
    (74.99, 75, False),
    (100, 75, True),
    (0, 75, False),
    (50, 50, True),
    (49, 50, False),
    (100, 100, True),
])
def test_threshold(present, threshold, expected):
    assert share_attended(present * 60, 100 * 60, threshold) is expected


def test_no_scheduled_time_means_no_attendance():
    assert share_attended(60, 0, 75) is False
