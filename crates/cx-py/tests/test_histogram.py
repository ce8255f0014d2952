"""Histogram: incremental accumulation, merging, bytes shared with the Rust core, pickling."""

import math
import pickle

import numpy as np
import pytest

import cxkit as cx

from test_parity import same, scores


def test_add_and_merge_equal_one_pass():
    rng = np.random.default_rng(7)
    data = rng.integers(0, 11, 1000).astype(np.float64)
    data[rng.random(1000) < 0.05] = np.nan
    w = rng.uniform(0.2, 3.0, 1000)
    whole = cx.Histogram(cx.NPS)
    whole.add(data, w)
    parts = [cx.Histogram(cx.NPS) for _ in range(3)]
    for part, idx in zip(parts, np.array_split(np.arange(1000), [0, 700])):  # includes an empty part
        part.add(data[idx], w[idx])
    merged = cx.Histogram(cx.NPS)
    for part in reversed(parts):
        merged.merge(part)
    assert merged.n == whole.n and merged.n_missing == whole.n_missing
    assert np.array_equal(merged.counts, whole.counts)
    e_merged, e_whole = merged.estimate(), whole.estimate()
    same(e_merged.to_dict(), e_whole.to_dict())
    assert e_whole == cx.nps(data, w)


def test_failed_add_changes_nothing():
    h = cx.Histogram(cx.CSAT)
    h.add([5, 4])
    with pytest.raises(cx.InvalidInputError, match="index 2"):
        h.add([5, 4, 6])
    assert (h.n, h.counts.tolist()) == (2, [0, 0, 0, 1, 1])


def test_merging_different_metrics_is_refused():
    with pytest.raises(cx.IncompatibleError, match="csat"):
        cx.Histogram(cx.NPS).merge(cx.Histogram(cx.CSAT))


def test_self_merge_doubles():
    h = cx.Histogram(cx.NPS)
    h.add([10, 3])
    h.merge(h)
    assert h.n == 4


def test_bytes_are_the_cores(parity_cases):
    case = next(c for c in parity_cases if c["call"] == "accumulator")
    h = cx.Histogram(cx.metric_spec(case["metric"]))
    h.add(scores(case["scores"]), np.array(case["weights"]))
    assert h.to_bytes() == bytes.fromhex(case["bytes_hex"])
    back = cx.Histogram.from_bytes(bytes.fromhex(case["bytes_hex"]))
    assert back == h
    same(back.estimate().to_dict(), case["result"])


def test_damaged_bytes_raise_config_error():
    h = cx.Histogram(cx.NPS)
    h.add([10, 9, 0])
    data = h.to_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x04
    for bad in (data[:-5], b"", b"\xff\xfe", data + b"\0", bytes(flipped)):
        with pytest.raises(cx.ConfigError):
            cx.Histogram.from_bytes(bad)


def test_pickle_and_copy_are_independent():
    h = cx.Histogram(cx.CES2_MEAN)
    h.add([7, 6, 2], [1.0, 2.0, 0.5])
    back = pickle.loads(pickle.dumps(h))
    assert back == h and back.weighted and back.spec == cx.CES2_MEAN
    c = h.copy()
    c.add([1])
    assert c.n == 4 and h.n == 3
    assert math.isclose(h.total_weight, 3.5) and h.n_effective == pytest.approx(3.5**2 / 5.25)
    assert repr(h) == "Histogram('ces2_mean', n=3, n_missing=0, weighted)"
