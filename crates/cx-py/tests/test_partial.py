"""Partial states from Python: any split merges back to the one-machine call, bytes are the core's (the parity
cases carry them) and round trip, pickling works (Dask ships states by pickle), damage raises ConfigError."""

import pickle
import resource
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxkit as cx

ROOT = Path(__file__).resolve().parents[3]


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def survey():
    df = pd.read_csv(ROOT / "data" / "sample" / "survey_responses.csv", parse_dates=["date"])
    return df


def cuts_of(n, fractions=(0.0, 0.1, 0.1, 0.55, 0.93, 1.0)):
    """Uneven ranges over n rows, one of them empty."""
    at = sorted(int(f * n) for f in fractions)
    return [slice(a, b) for a, b in zip(at[:-1], at[1:])]


def test_grouped_state_by_segment_equals_score_by(survey):
    whole = cx.score_by(survey["nps"], survey["segment"], survey["weight"], compare=True)
    merged = cx.GroupedHistogram("nps")
    for part in cuts_of(len(survey)):
        chunk = survey.iloc[part]
        state = cx.GroupedHistogram("nps")
        if len(chunk):
            state.add(chunk["nps"], chunk["segment"], chunk["weight"])
        merged.merge(cx.GroupedHistogram.from_bytes(state.to_bytes()))
    frames_equal(merged.score_by(group="segment", compare=True), whole.rename(columns={"group": "segment"}))
    assert len(merged) == survey["segment"].nunique()


def test_grouped_state_with_integer_keys_and_merge_order(survey):
    keys = survey["respondent_id"].str[1:].astype(np.int64) % 7
    parts = []
    for part in cuts_of(len(survey)):
        parts.append(cx.GroupedHistogram("csat").add(survey["csat"].iloc[part], keys.iloc[part]))
    forward, backward = cx.GroupedHistogram("csat"), cx.GroupedHistogram("csat")
    for p in parts:
        forward.merge(p)
    for p in reversed(parts):
        backward.merge(p)
    assert forward == backward and forward.to_bytes() == backward.to_bytes()
    frames_equal(forward.score_by(), cx.score_by(survey["csat"], keys.to_numpy(), metric="csat"))


def test_state_by_period_equals_trend(survey):
    whole = cx.trend(survey["nps"], survey["date"], period="quarter", fiscal_year_start=4, compare="wald")
    merged = cx.GroupedHistogram("nps", period="quarter", fiscal_year_start=4)
    for part in cuts_of(len(survey)):
        chunk = survey.iloc[part]
        merged.merge(
            cx.GroupedHistogram("nps", period="quarter", fiscal_year_start=4).add(chunk["nps"], dates=chunk["date"])
        )
    frames_equal(merged.trend(compare="wald"), whole)
    back = pickle.loads(pickle.dumps(merged))
    assert back == merged and back.period == "quarter"
    frames_equal(back.trend(compare="wald"), whole)


def test_states_refuse_wrong_use_and_damage():
    with pytest.raises(cx.InvalidArgumentError):
        cx.GroupedHistogram("nps").add([9, 10], dates=["2025-01-01", "2025-01-02"])
    with pytest.raises(cx.InvalidArgumentError):
        cx.GroupedHistogram("nps", period="month").add([9], ["web"])
    with pytest.raises(cx.InvalidInputError, match="missing group key"):
        cx.GroupedHistogram("nps").add([9, 10], ["web", None])
    with pytest.raises(cx.InvalidInputError, match="index 1"):
        cx.GroupedHistogram("nps").add([9, 11], ["web", "app"])
    with pytest.raises(cx.IncompatibleError):
        cx.GroupedHistogram("nps").merge(cx.GroupedHistogram("csat"))
    with pytest.raises(cx.IncompatibleError):
        cx.GroupedHistogram("nps", period="month").merge(cx.GroupedHistogram("nps", period="week"))
    data = cx.GroupedHistogram("nps").add([9, 10, 0], ["a", "b", "a"]).to_bytes()
    flipped = bytearray(data)
    flipped[20] ^= 1
    for bad in (data[:-1], data[:5], b"", bytes(flipped), data + b"x"):
        with pytest.raises(cx.ConfigError):
            cx.GroupedHistogram.from_bytes(bad)
    with pytest.raises(cx.ConfigError, match="holds a grouped accumulator"):
        cx.ValidationCounts.from_bytes(data)


def events(n_accounts=300, seed=7):
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_accounts):
        t = int(rng.integers(0, 50))
        for _ in range(int(rng.integers(1, 8))):
            t += int(rng.integers(0, 6))
            rows.append((f"acct-{a}", str(rng.choice(["visit", "signup", "trial", "buy", "churn"])), t))
    return pd.DataFrame(rows, columns=["account", "event", "t"]).sample(frac=1.0, random_state=seed)


@pytest.mark.parametrize("mode", ["ordered", "strict", "any_order"])
def test_funnel_states_over_whole_accounts_equal_funnel(mode):
    df = events()
    steps = ["visit", "signup", "buy"]
    whole = cx.funnel(df["account"], df["event"], df["t"], steps, 20, mode, as_of=100)
    template = cx.FunnelState(steps, 20, mode, as_of=100)
    merged = template.from_bytes(template.to_bytes())
    # Partition by account (a hash of its id), as a repartition would.
    bucket = df["account"].map(hash) % 4
    for b in range(5):  # bucket 4 is empty
        part = df[bucket == b]
        state = template.from_bytes(template.to_bytes())
        if len(part):
            state.add(part["account"], part["event"], part["t"])
        merged.merge(template.from_bytes(state.to_bytes()))
    frames_equal(merged.result(), whole)
    assert merged.result().attrs["n_accounts"] == whole.attrs["n_accounts"]
    back = pickle.loads(pickle.dumps(merged))
    assert back == merged
    with pytest.raises(cx.InvalidArgumentError):
        merged.merge(cx.FunnelState(["visit", "buy"], 20, mode, as_of=100))
    other = cx.FunnelState(steps, 30, mode, as_of=100)
    with pytest.raises(cx.InvalidArgumentError, match="another funnel"):
        template.from_bytes(other.to_bytes())


def test_funnel_state_with_datetimes_and_integer_event_ids():
    df = events(50)
    df["when"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["t"], unit="h")
    code = {"visit": 1, "signup": 2, "trial": 3, "buy": 4, "churn": 5}
    df["event_id"] = df["event"].map(code).astype(np.int64)
    whole = cx.funnel(df["account"], df["event_id"], df["when"], [1, 2, 4], "20h")
    state = cx.FunnelState([1, 2, 4], pd.Timedelta("20h"))
    half = df["account"].str[-1].isin(list("01234"))
    state.add(df[half]["account"], df[half]["event_id"], df[half]["when"])
    state.merge(cx.FunnelState([1, 2, 4], "20h").add(df[~half]["account"], df[~half]["event_id"], df[~half]["when"]))
    frames_equal(state.result(), whole)
    with pytest.raises(cx.InvalidInputError, match="date-times"):
        state.add(df["account"], df["event_id"], df["t"])


def test_validation_counts_equal_validate_scores():
    accounts = pd.read_csv(ROOT / "data" / "sample" / "accounts.csv")
    card = cx.Scorecard.from_json((ROOT / "data" / "sample" / "scorecard.json").read_text())
    scores = card.score(accounts)["score"].to_numpy()
    churned = accounts["churned_next_quarter"].to_numpy().astype(bool)
    whole = cx.validate_scores(scores, churned, scorecard=card, at_risk="yellow")
    merged = cx.ValidationCounts()
    for part in cuts_of(len(scores)):
        merged.merge(cx.ValidationCounts.from_bytes(cx.ValidationCounts().add(scores[part], churned[part]).to_bytes()))
    assert merged.validate(scorecard=card, at_risk="yellow") == whole
    assert merged.n + merged.n_unscored == len(scores)
    assert pickle.loads(pickle.dumps(merged)) == merged
    with pytest.raises(cx.InvalidInputError, match="index 1"):
        cx.ValidationCounts().add([1.0, 2.0], [0, 2])


def test_state_bytes_are_the_cores(parity_cases):
    case = next(c for c in parity_cases if c["call"] == "partial_states")
    grouped = cx.GroupedHistogram("nps").add(np.array(case["scores"], dtype=float), case["groups"])
    assert grouped.to_bytes() == bytes.fromhex(case["grouped_hex"])
    monthly = cx.GroupedHistogram("nps", period="month").add(
        np.array(case["scores"], dtype=float), dates=np.array(case["days"], dtype="datetime64[D]")
    )
    assert monthly.to_bytes() == bytes.fromhex(case["monthly_hex"])
    funnel = cx.FunnelState([0, 1, 2], case["funnel_window"])
    funnel.add(np.array(case["accounts"]), np.array(case["events"], dtype=np.uint32), np.array(case["times"]))
    assert funnel.to_bytes() == bytes.fromhex(case["funnel_hex"])
    counts = cx.ValidationCounts().add(np.array(case["health"], dtype=float), np.array(case["churned"]))
    assert counts.to_bytes() == bytes.fromhex(case["validation_hex"])


def test_partitions_scored_against_the_merged_population_equal_the_whole_table():
    accounts = pd.read_csv(ROOT / "data" / "sample" / "accounts.csv")
    card = cx.Scorecard.from_json((ROOT / "data" / "sample" / "scorecard.json").read_text())
    whole = card.score(accounts)
    parts = [accounts.iloc[part].reset_index(drop=True) for part in cuts_of(len(accounts))]
    population = cx.Population.from_bytes(card.population(parts[0]).to_bytes())
    for part in parts[1:]:
        population.merge(card.population(part))
    scored = pd.concat([card.score(p, population=population) for p in parts], ignore_index=True)
    frames_equal(scored[["score", "coverage"]], whole[["score", "coverage"]])
    assert list(scored["account"]) == list(whole["account"]) and list(scored["band"]) == list(whole["band"])
    # Scored alone, a partition ranks within itself: the population is what makes the scores agree.
    alone = card.score(parts[2])
    assert not np.allclose(alone["score"], whole["score"].iloc[cuts_of(len(accounts))[2]], equal_nan=True)
    with pytest.raises(cx.ConfigError, match="not a population"):
        cx.Population(cx.ValidationCounts().to_bytes())


# ---- States from untrusted bytes (issue 20, item 5 and the trend part of item 11) ----
# The CRC-32 is no authentication: these tests write forged states with zlib.crc32, as anyone can.

GROUPED = 2  # kind code of a grouped state


def envelope(kind: int, payload: bytes) -> bytes:
    """A payload in a valid envelope: magic, version 1, kind, length, then the CRC-32 of all that."""
    head = b"CXST" + struct.pack("<HHI", 1, kind, len(payload)) + payload
    return head + struct.pack("<I", zlib.crc32(head))


def varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def signed(v: int) -> bytes:
    return varint(((v << 1) ^ (v >> 63)) & (2**64 - 1))


def forged(state: "cx.GroupedHistogram", keys, counts_of) -> bytes:
    """`state`'s spec and period (from its own bytes), with `keys` and a histogram per key from `counts_of`."""
    empty = state.to_bytes()[12:-4]
    assert empty[-1] == 0  # the number of keys of an empty state
    lo, hi = state.spec.scale
    body = bytearray(empty[:-1] + varint(len(keys)))
    for key in keys:
        counts = counts_of(key)
        body += b"\x00" + signed(key) + signed(lo) + signed(hi) + varint(len(counts))
        body += b"".join(varint(c) for c in counts) + varint(0) + b"\x00"
    return envelope(GROUPED, bytes(body))


def one_top(points: int):
    return lambda key: [0] * (points - 1) + [1]


def test_the_forging_helper_writes_what_to_bytes_writes():
    dates = ["2025-01-03", "2025-03-01", "2025-03-09"]
    state = cx.GroupedHistogram("nps", period="month").add([10, 10, 3], dates=dates)
    counts = {24300: [0] * 10 + [1], 24302: [0, 0, 0, 1] + [0] * 6 + [1]}
    assert forged(cx.GroupedHistogram("nps", period="month"), sorted(counts), counts.get) == state.to_bytes()


@pytest.mark.parametrize(
    "keys",
    [[2**63 - 1], [-(2**63)], [-(2**63), 2**63 - 1], [-(2**62), 2**62], [0, 3_145_716]],
    ids=["max", "min", "both-ends", "span-overflows", "just-past-the-calendar"],
)
def test_forged_period_keys_outside_the_calendar_raise_config_error(keys):
    # The reproducer: these panicked in from_bytes (a period with no start) or in .trend() (capacity overflow,
    # index out of bounds) as a PanicException, which escapes `except Exception`.
    data = forged(cx.GroupedHistogram("nps", period="month"), keys, one_top(11))
    with pytest.raises(cx.ConfigError, match="outside the supported calendar"):
        cx.GroupedHistogram.from_bytes(data)


def test_forged_states_that_overflow_or_span_too_long_raise_typed_errors():
    by_day = cx.GroupedHistogram("nps", period="day")
    with pytest.raises(cx.LimitExceededError, match="100000"):
        cx.GroupedHistogram.from_bytes(forged(by_day, [0, 100_000], one_top(11)))
    with pytest.raises(cx.ConfigError, match="2\\^64"):
        cx.GroupedHistogram.from_bytes(forged(by_day, [5], lambda k: [2**64 - 1] + [0] * 9 + [1]))
    half = cx.GroupedHistogram.from_bytes(forged(by_day, [5], lambda k: [0] * 10 + [2**63]))
    with pytest.raises(cx.LimitExceededError, match="2\\^64"):
        half.merge(cx.GroupedHistogram.from_bytes(half.to_bytes()))
    assert len(half.trend()) == 1


def test_a_forged_sparse_state_trends_without_materialising_empty_periods():
    # The reproducer: ~2 KB, two days 99,999 days apart on a 1001-point metric took 866 MB in .trend().
    metric = {
        "version": 1,
        "name": "per mille",
        "scale": {"min": 0, "max": 1000},
        "direction": "higher_is_better",
        "categories": {"positive": {"lo": 900, "hi": 1000}, "negative": None},
        "scoring": "top_box",
    }
    data = forged(cx.GroupedHistogram(metric, period="day"), [0, 99_999], one_top(1001))
    assert len(data) < 2500
    state = cx.GroupedHistogram.from_bytes(data)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.perf_counter()
    rows = state.trend()
    assert time.perf_counter() - started < 30
    assert len(rows) == 100_000
    assert rows["n"].iloc[[0, 1, -1]].tolist() == [1, 0, 1]
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    assert grown_mib < 400, f"peak memory grew by {grown_mib:.0f} MiB"
