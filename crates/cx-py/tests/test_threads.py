"""The O(n) work runs without the GIL: several threads score the same arrays at once and agree exactly."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import cxkit as cx


def test_concurrent_scoring_is_identical():
    rng = np.random.default_rng(11)
    scores = rng.integers(0, 11, 2_000_000).astype(np.float64)
    weights = rng.uniform(0.5, 2.0, scores.size)
    keys = rng.integers(0, 50, scores.size)
    want = (cx.nps(scores), cx.nps(scores, weights), cx.score_by(scores, keys))

    def work(_):
        return cx.nps(scores), cx.nps(scores, weights), cx.score_by(scores, keys)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(8)))
    for got in results:
        assert got[0] == want[0] and got[1] == want[1]
        assert got[2].equals(want[2])


def test_gil_is_released_during_scoring():
    """While one thread scores a large array, a pure-Python thread keeps running (it could not if the GIL were
    held for the whole O(n) pass)."""
    scores = np.random.default_rng(3).integers(0, 11, 30_000_000).astype(np.float64)
    ticks = 0
    stop = threading.Event()

    def spin():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        before = ticks
        for _ in range(3):
            cx.nps(scores)
        during = ticks - before
    finally:
        stop.set()
        spinner.join()
    assert during > 0


def test_histogram_shared_between_threads():
    h = cx.Histogram(cx.NPS)
    chunk = np.arange(11, dtype=np.float64).repeat(1000)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: h.add(chunk), range(16)))
    assert h.n == 16 * chunk.size
    assert h.counts.tolist() == [16 * 1000] * 11
