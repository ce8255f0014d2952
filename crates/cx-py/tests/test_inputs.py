"""Inputs people actually have: numpy of any integer or float dtype, lists, pandas (nullable too), polars; group
keys as strings, integers or categoricals; dates as datetime64, datetime.date or pandas timestamps."""

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest

import cxkit as cx

RATINGS = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5]


def reference_nps(values):
    """Independent reference: the mean of +1 / 0 / −1 over the non-missing ratings, in points."""
    v = np.asarray([x for x in values if x is not None and x == x], dtype=float)
    return 100 * np.mean(np.where(v >= 9, 1, np.where(v <= 6, -1, 0)))


@pytest.mark.parametrize(
    "dtype",
    [np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16,
     np.uint8],
)
def test_every_numeric_dtype_gives_the_same_estimate(dtype):
    want = cx.nps(np.array(RATINGS, dtype=np.float64))
    got = cx.nps(np.array(RATINGS, dtype=dtype))
    assert got == want
    assert got.value == pytest.approx(reference_nps(RATINGS), abs=1e-12)


def test_lists_tuples_and_strided_arrays():
    assert cx.nps(RATINGS) == cx.nps(tuple(RATINGS))
    strided = np.array(RATINGS * 2, dtype=np.float64)[::2]
    assert cx.nps(strided).value == pytest.approx(reference_nps(list(strided)), abs=1e-12)
    big_endian = np.array(RATINGS, dtype=">f8")
    assert cx.nps(big_endian) == cx.nps(RATINGS)


def test_none_and_nan_in_lists_are_missing():
    e = cx.nps([10, None, 3, float("nan")])
    assert (e.n, e.n_missing, e.value) == (2, 2, 0.0)


def test_pandas_series_and_nullable_int64():
    s = pd.Series(RATINGS)
    assert cx.nps(s) == cx.nps(RATINGS)
    nullable = pd.Series([10, pd.NA, 3, 9], dtype="Int64")
    e = cx.nps(nullable)
    assert (e.n, e.n_missing) == (3, 1)
    assert e.value == pytest.approx(reference_nps([10, 3, 9]), abs=1e-12)
    assert cx.nps(pd.Series([10.0, None, 3.0], dtype="Float64")).n_missing == 1


def test_polars_series_with_nulls():
    e = cx.nps(pl.Series([10, None, 3, 9]))
    assert (e.n, e.n_missing) == (3, 1)
    assert cx.nps(pl.Series(RATINGS)) == cx.nps(RATINGS)


def test_numpy_arrays_are_borrowed_without_copy():
    """The core reads the caller's buffer: a writeable float64 array passes through the converter untouched."""
    from cxkit._input import as_scores

    a = np.array(RATINGS, dtype=np.float64)
    assert as_scores(a) is a
    ints = np.array(RATINGS, dtype=np.int16)
    assert as_scores(ints) is ints
    series = pd.Series(a)
    assert np.shares_memory(as_scores(series), series.to_numpy())


def test_non_numeric_scores_name_the_value_and_index():
    with pytest.raises(cx.InvalidInputError, match=r"'x' at index 2") as info:
        cx.nps([10, 9, "x"])
    assert info.value.index == 2
    with pytest.raises(cx.InvalidInputError, match="one-dimensional"):
        cx.nps(np.ones((2, 2)))
    with pytest.raises(cx.InvalidInputError, match=r"'7' at index 0"):
        cx.nps(np.array(["7", "8"]))  # text is not silently read as numbers
    with pytest.raises(cx.InvalidInputError, match="must hold numbers"):
        cx.nps(np.array([1, 2], dtype="timedelta64[s]"))


def test_group_keys_as_strings_integers_categoricals_and_polars():
    scores = np.array([10, 9, 0, 10, 3, 3, 8], dtype=np.float64)
    keys = ["web", "web", "web", "app", "app", "app", "mail"]
    by_str = cx.score_by(scores, keys)
    assert list(by_str["group"]) == ["app", "mail", "web"]
    by_cat = cx.score_by(scores, pd.Series(keys, dtype="category", name="channel"))
    assert list(by_cat["channel"]) == ["app", "mail", "web"]
    assert np.allclose(by_cat["value"], by_str["value"], rtol=0, atol=1e-12)
    by_pl = cx.score_by(scores, pl.Series(keys))
    assert np.allclose(by_pl["value"], by_str["value"], rtol=0, atol=1e-12)
    codes = np.array([7, 7, 7, -2, -2, -2, 5], dtype=np.int32)  # web, app, mail: sorted as app, mail, web
    by_int = cx.score_by(scores, codes)
    assert list(by_int["group"]) == [-2, 5, 7]
    assert np.allclose(by_int["value"], by_str["value"], rtol=0, atol=1e-12)
    for key, value in zip(by_str["group"], by_str["value"]):
        members = [s for s, k in zip(scores, keys) if k == key]
        assert value == pytest.approx(reference_nps(members), abs=1e-12)


def test_missing_group_key_is_an_error_not_a_dropped_row():
    with pytest.raises(cx.InvalidInputError, match="index 1") as info:
        cx.score_by([10, 9, 3], ["a", None, "b"])
    assert info.value.kind == "MissingValue"
    with pytest.raises(cx.InvalidInputError, match="index 0"):
        cx.score_by([10, 9], pd.Series([None, "a"], dtype="category"))


def test_dates_in_every_form_agree():
    days = ["2025-01-03", "2025-01-30", "2025-02-14", "2025-04-01"]
    scores = [10, 3, 9, 9]
    want = cx.trend(scores, np.array(days, dtype="datetime64[D]"))
    forms = [
        np.array(days, dtype="datetime64[ns]") + np.timedelta64(13, "h"),  # times floor to their day
        [dt.date.fromisoformat(d) for d in days],
        [dt.datetime.fromisoformat(d) for d in days],
        pd.Series(pd.to_datetime(days)),
        pd.Series(pd.to_datetime(days)).dt.tz_localize("Asia/Tokyo"),
        pd.to_datetime(days),
        pl.Series([dt.date.fromisoformat(d) for d in days]),
        days,
    ]
    for form in forms:
        got = cx.trend(scores, form)
        pd.testing.assert_frame_equal(got, want)
    assert list(want["period"]) == ["2025-01", "2025-02", "2025-03", "2025-04"]


def test_aware_instants_count_on_their_local_calendar_in_every_form():
    """Issue 20 item 8: the same aware instants landed in January from a pandas Series (local calendar) and in
    February from aware datetimes or ISO strings with offsets (UTC). Every form now reads its local date."""
    local = ["2025-01-31 23:30", "2025-01-31 20:00", "2025-02-01 09:00"]  # New York wall times
    scores = [10, 3, 9]
    series = pd.Series(pd.to_datetime(local)).dt.tz_localize("America/New_York")  # 04:30, 01:00 UTC Feb 1
    want = cx.trend(scores, np.array(["2025-01-31", "2025-01-31", "2025-02-01"], dtype="datetime64[D]"))
    assert list(want["n"]) == [2, 1]
    ny = dt.timezone(dt.timedelta(hours=-5))
    forms = {
        "series": series,
        "index": pd.DatetimeIndex(series),
        "timestamps": list(series),
        "datetimes": [t.to_pydatetime() for t in series],
        "fixed-offset datetimes": [dt.datetime.fromisoformat(d).replace(tzinfo=ny) for d in local],
        "iso strings": [t.isoformat() for t in series],
        "iso strings, compact offset": [d.replace(" ", "T") + "-0500" for d in local],
        "object series": pd.Series(list(series), dtype=object),
    }
    for name, form in forms.items():
        pd.testing.assert_frame_equal(cx.trend(scores, form), want, obj=name)
    # Mixed offsets: each instant keeps its own calendar date (both are Jan 31 where they happened).
    mixed = ["2025-01-31T23:30:00-05:00", "2025-01-31T08:00:00+09:00", "2025-02-01T00:00:00Z"]
    assert list(cx.trend(scores, mixed)["n"]) == [2, 1]


def test_bad_dates_name_their_index():
    with pytest.raises(cx.InvalidInputError, match="NaT at index 1") as info:
        cx.trend([10, 9], np.array(["2025-01-01", "NaT"], dtype="datetime64[D]"))
    assert (info.value.kind, info.value.index) == ("InvalidDate", 1)
    with pytest.raises(cx.InvalidInputError, match="index 1"):
        cx.trend([10, 9], ["2025-01-01", "not a date"])
    with pytest.raises(cx.InvalidInputError, match="must be dates"):
        cx.trend([10, 9], [20089, 20090])
