"""rolling() with extreme windows: a typed error, never a PanicException (issue 20, item 10), and linear time in
the days spanned whatever the window (item 12)."""

import time

import numpy as np
import pytest

import cxkit as cx


def test_a_window_starting_before_the_calendar_is_an_invalid_argument():
    # The reproducer: window=2**31 panicked computing the window's first day.
    dates = np.array(["2025-01-03", "2025-02-10", "2025-03-09"], dtype="datetime64[D]")
    for window in (2**31, 2**32 - 1):
        with pytest.raises(cx.InvalidArgumentError, match="window_days"):
            cx.rolling([10, 3, 9], dates, window=window)


def test_a_long_window_over_long_data_is_linear():
    # The reproducer's shape: a 100,000-day window at each month end over ~270 years of data took 209 s.
    days = np.arange(-40_000, 59_000, 7).astype("datetime64[D]")
    scores = np.arange(len(days)) % 11
    started = time.perf_counter()
    rows = cx.rolling(scores, days, window=100_000)
    assert time.perf_counter() - started < 20
    assert rows["n"].iloc[0] == 1
    assert rows["n"].iloc[-1] == len(days)
