"""cxkit against pandas, polars and numpy, in one process on the same generated data.

Run: ``.venv/bin/python benches/python/compare.py`` (after ``bash scripts/test.sh`` built the package into
``.venv``; or any environment with cxkit, numpy, pandas and polars). ``--quick`` uses a tenth of the data.

For each job every competitor uses its idiomatic vectorised path (no Python loops), its result is checked equal
to cxkit's before anything is timed, and the best of several runs is reported with the ratio to cxkit. Then: the
extra peak memory of cxkit calls over their input (a copy of the input would show as its size), and whether the
calls release the GIL (a Python thread keeps counting while they run).
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
from typing import Callable, Dict, List, Tuple

import numpy as np
import pandas as pd
import polars as pl

import cxkit as cx

Z = 1.959963984540054  # 95%


def best_ms(f: Callable[[], object], repeat: int) -> float:
    f()  # warm up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def same(name: str, got: np.ndarray, want: np.ndarray, tol: float = 1e-9) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape or not np.allclose(got, want, rtol=tol, atol=tol, equal_nan=True):
        raise SystemExit(f"{name}: result differs from cxkit's; not timing it")


# ---------------------------------------------------------------- survey: overall NPS
def overall_nps(n: int, rng: np.random.Generator) -> Tuple[str, Dict[str, Callable], Callable, np.ndarray]:
    scores = rng.integers(0, 11, n)  # int64, as read from a file

    def cxkit():
        e = cx.nps(scores, interval="wald")
        return np.array([e.value, e.se])

    def numpy():
        p, d = np.count_nonzero(scores >= 9) / n, np.count_nonzero(scores <= 6) / n
        return np.array([100 * (p - d), 100 * np.sqrt((p + d - (p - d) ** 2) / n)])

    def pandas():
        s = pd.Series(scores, copy=False)
        p, d = (s >= 9).mean(), (s <= 6).mean()
        return np.array([100 * (p - d), 100 * np.sqrt((p + d - (p - d) ** 2) / n)])

    df = pl.DataFrame({"s": scores})

    def polars():
        r = df.select(p=(pl.col("s") >= 9).mean(), d=(pl.col("s") <= 6).mean()).row(0)
        p, d = r
        return np.array([100 * (p - d), 100 * np.sqrt((p + d - (p - d) ** 2) / n)])

    return "overall NPS", {"numpy": numpy, "pandas": pandas, "polars": polars}, cxkit, scores


# ---------------------------------------------------------------- survey: NPS by segment with intervals
def wald_columns(p: np.ndarray, d: np.ndarray, n: np.ndarray) -> np.ndarray:
    value = p - d
    se = np.sqrt((p + d - value**2) / n)
    lo, hi = np.clip(value - Z * se, -1, 1), np.clip(value + Z * se, -1, 1)
    return 100 * np.column_stack([value, se, lo, hi])


def grouped_nps(n: int, rng: np.random.Generator):
    scores = rng.integers(0, 11, n)
    segment = rng.integers(0, 1000, n)

    def cxkit():
        df = cx.score_by(scores, segment, interval="wald")
        return df[["value", "se", "ci_low", "ci_high"]].to_numpy()

    def numpy():
        count = np.bincount(segment, minlength=1000)
        p = np.bincount(segment, weights=scores >= 9, minlength=1000) / count
        d = np.bincount(segment, weights=scores <= 6, minlength=1000) / count
        return wald_columns(p, d, count)

    frame = pd.DataFrame({"g": segment, "p": scores >= 9, "d": scores <= 6})

    def pandas():
        agg = frame.groupby("g").agg(p=("p", "mean"), d=("d", "mean"), n=("p", "size"))
        return wald_columns(agg.p.to_numpy(), agg.d.to_numpy(), agg.n.to_numpy())

    lazy = pl.DataFrame({"g": segment, "s": scores})

    def polars():
        agg = (
            lazy.group_by("g")
            .agg(p=(pl.col("s") >= 9).mean(), d=(pl.col("s") <= 6).mean(), n=pl.len())
            .sort("g")
        )
        return wald_columns(agg["p"].to_numpy(), agg["d"].to_numpy(), agg["n"].to_numpy())

    return "NPS ± CI by 1,000 segments", {"numpy": numpy, "pandas": pandas, "polars": polars}, cxkit, scores


# ---------------------------------------------------------------- survey: monthly trend
def monthly_trend(n: int, rng: np.random.Generator):
    scores = rng.integers(0, 11, n)
    days = np.datetime64("2024-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]")

    def cxkit():
        df = cx.trend(scores, days, period="month", interval="wald")
        return df[["value", "se"]].to_numpy()

    def numpy():
        month = days.astype("datetime64[M]").astype(np.int64)
        month -= month.min()
        count = np.bincount(month)
        p = np.bincount(month, weights=scores >= 9) / count
        d = np.bincount(month, weights=scores <= 6) / count
        return wald_columns(p, d, count)[:, :2]

    frame = pd.DataFrame({"m": days, "p": scores >= 9, "d": scores <= 6})

    def pandas():
        agg = frame.groupby(frame.m.dt.to_period("M")).agg(p=("p", "mean"), d=("d", "mean"), n=("p", "size"))
        return wald_columns(agg.p.to_numpy(), agg.d.to_numpy(), agg.n.to_numpy())[:, :2]

    lazy = pl.DataFrame({"m": days, "s": scores})

    def polars():
        agg = (
            lazy.group_by(pl.col("m").dt.truncate("1mo"))
            .agg(p=(pl.col("s") >= 9).mean(), d=(pl.col("s") <= 6).mean(), n=pl.len())
            .sort("m")
        )
        return wald_columns(agg["p"].to_numpy(), agg["d"].to_numpy(), agg["n"].to_numpy())[:, :2]

    return "monthly NPS trend", {"numpy": numpy, "pandas": pandas, "polars": polars}, cxkit, scores


# ---------------------------------------------------------------- health: 1M accounts x 10 measures
MEASURES = 10


def health(accounts: int, rng: np.random.Generator):
    import json

    rules = []
    for m in range(MEASURES):
        if m % 2 == 0:
            rules.append({"rule": "linear", "bad": 0, "good": 100} if m % 4 == 0 else
                         {"rule": "linear", "bad": 100, "good": 0})  # fmt: skip
        else:
            rules.append({"rule": "bands", "cuts": [20, 50, 80], "points": [0, 40, 70, 100]})
    weights = [1 + m % 3 for m in range(MEASURES)]
    card = cx.Scorecard.from_json(json.dumps({
        "version": 1, "name": "compare",
        "measures": [{"id": f"m{m}", "weight": weights[m], "scoring": rules[m]} for m in range(MEASURES)],
        "bands": {"names": ["red", "yellow", "green"], "cuts": [50, 75]}}))  # fmt: skip
    data = {f"m{m}": rng.uniform(0, 100, accounts) for m in range(MEASURES)}
    w = np.array(weights, dtype=float)

    def cxkit():
        return card.score(data)["score"].to_numpy()

    def points_numpy(m: int, x: np.ndarray) -> np.ndarray:
        r = rules[m]
        if r["rule"] == "linear":
            return np.clip((x - r["bad"]) / (r["good"] - r["bad"]), 0, 1) * 100
        return np.asarray(r["points"], dtype=float)[np.searchsorted(r["cuts"], x, side="right")]

    def numpy():
        total = sum(w[m] * points_numpy(m, data[f"m{m}"]) for m in range(MEASURES))
        return total / w.sum()

    frame = pd.DataFrame(data)

    def pandas():
        total = pd.Series(0.0, index=frame.index)
        for m in range(MEASURES):  # one vectorised column operation per measure
            x, r = frame[f"m{m}"], rules[m]
            if r["rule"] == "linear":
                pts = ((x - r["bad"]) / (r["good"] - r["bad"])).clip(0, 1) * 100
            else:
                pts = pd.cut(x, [-np.inf, *r["cuts"], np.inf], right=False, labels=r["points"]).astype(float)
            total += w[m] * pts
        return (total / w.sum()).to_numpy()

    lazy = pl.DataFrame(data)

    def polars():
        exprs = []
        for m in range(MEASURES):
            x, r = pl.col(f"m{m}"), rules[m]
            if r["rule"] == "linear":
                pts = ((x - r["bad"]) / (r["good"] - r["bad"])).clip(0, 1) * 100
            else:
                c, p = r["cuts"], r["points"]
                pts = (pl.when(x < c[0]).then(p[0]).when(x < c[1]).then(p[1]).when(x < c[2]).then(p[2])
                       .otherwise(p[3]))  # fmt: skip
            exprs.append(pts * w[m])
        return lazy.select(score=pl.sum_horizontal(exprs) / w.sum())["score"].to_numpy()

    label = f"health: {accounts / 1e6:g}M accounts x 10 measures"
    return label, {"numpy": numpy, "pandas": pandas, "polars": polars}, cxkit, None


# ---------------------------------------------------------------- journeys: ordered funnel
def funnel_data(n_events: int, rng: np.random.Generator, shuffled: bool):
    accounts = n_events // 10
    account = np.repeat(np.arange(accounts, dtype=np.int64), 10)
    # Ten events per account at increasing times from a random start.
    gaps = rng.integers(1, 3600, (accounts, 10))
    time_ = (rng.integers(0, 1_000_000, accounts)[:, None] + np.cumsum(gaps, axis=1)).ravel()
    event = rng.integers(0, 6, n_events).astype(np.int64)
    if shuffled:
        order = rng.permutation(n_events)
        account, time_, event = account[order], time_[order], event[order]
    return account, event, time_


STEPS, WINDOW = [0, 1, 2, 3], 86_400


def funnel(n_events: int, rng: np.random.Generator, shuffled: bool):
    account, event, time_ = funnel_data(n_events, rng, shuffled)

    def cxkit():
        return cx.funnel(account, event, time_, steps=STEPS, window=WINDOW)["reached"].to_numpy()

    frame = pd.DataFrame({"a": account, "e": event, "t": time_})

    def pandas():
        # Every entry is an attempt; each step takes the earliest next event at or after the previous one within
        # the window (greedy is optimal for an ordered funnel). Reached = accounts with an attempt still alive.
        live = frame.loc[frame.e == STEPS[0], ["a", "t"]].rename(columns={"t": "t0"})
        live["tk"] = live.t0
        reached = [live.a.nunique()]
        for step in STEPS[1:]:
            nxt = frame.loc[frame.e == step, ["a", "t"]]
            m = live.merge(nxt, on="a")
            m = m[(m.t >= m.tk) & (m.t - m.t0 <= WINDOW)]
            live = m.groupby(["a", "t0"], as_index=False).t.min().rename(columns={"t": "tk"})
            reached.append(live.a.nunique())
        return np.array(reached)

    lazy = pl.DataFrame({"a": account, "e": event, "t": time_})

    def polars():
        live = lazy.filter(pl.col("e") == STEPS[0]).select("a", t0="t", tk="t")
        reached = [live["a"].n_unique()]
        for step in STEPS[1:]:
            nxt = lazy.filter(pl.col("e") == step).select("a", "t")
            live = (
                live.join(nxt, on="a")
                .filter((pl.col("t") >= pl.col("tk")) & (pl.col("t") - pl.col("t0") <= WINDOW))
                .group_by("a", "t0")
                .agg(tk=pl.col("t").min())
            )
            reached.append(live["a"].n_unique())
        return np.array(reached)

    def numpy():
        order = np.lexsort((event, time_, account)) if shuffled else np.arange(len(account))
        a, e, t = account[order], event[order], time_[order]
        sel = e == STEPS[0]
        la, t0, tk = a[sel], t[sel], t[sel]
        reached = [len(np.unique(la))]
        for step in STEPS[1:]:
            s = e == step
            na, nt = a[s], t[s]
            # First step event at or after tk for the same account: search in (account, time) order.
            key = na * (1 << 32) + nt
            pos = np.searchsorted(key, la * (1 << 32) + tk)
            ok = pos < len(key)
            pos = np.minimum(pos, len(key) - 1)
            ok &= (na[pos] == la) & (nt[pos] - t0 <= WINDOW)
            la, t0, tk = la[ok], t0[ok], nt[pos][ok]
            reached.append(len(np.unique(la)))
        return np.array(reached)

    label = f"ordered funnel, {n_events / 1e6:g}M events" + (" (shuffled)" if shuffled else " (sorted)")
    return label, {"numpy": numpy, "pandas": pandas, "polars": polars}, cxkit, None


# ---------------------------------------------------------------- memory and GIL
def peak_extra_mb(f: Callable[[], object]) -> float:
    """Peak resident memory during f() above the resident memory before it (Linux: VmHWM reset via clear_refs)."""

    def status(key: str) -> int:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
        raise KeyError(key)

    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    before = status("VmRSS:")
    f()
    return (status("VmHWM:") - before) / 1024


def gil_released(f: Callable[[], object]) -> Tuple[float, float]:
    """Python-loop iterations per ms in another thread while f() runs, against the same loop alone."""
    stop = threading.Event()
    counter = [0]

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)
    counter[0] = 0
    start = time.perf_counter()
    for _ in range(5):
        f()
    during = counter[0] / ((time.perf_counter() - start) * 1000)
    counter[0] = 0
    start = time.perf_counter()
    time.sleep(0.2)
    alone = counter[0] / ((time.perf_counter() - start) * 1000)
    stop.set()
    t.join()
    return during, alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the data")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    n = 10_000_000 // scale
    rng = np.random.default_rng(2026)
    print(f"cxkit {cx.__version__}, numpy {np.__version__}, pandas {pd.__version__}, polars {pl.__version__}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; best of {args.repeat}")  # fmt: skip
    jobs = [
        overall_nps(n, rng),
        grouped_nps(n, rng),
        monthly_trend(n, rng),
        health(1_000_000 // scale, rng),
        funnel(n, rng, shuffled=False),
        funnel(n, rng, shuffled=True),
    ]
    rows: List[Tuple[str, float, Dict[str, float]]] = []
    floors = {}
    for label, competitors, cxkit, scores in jobs:
        want = cxkit()
        for name, f in competitors.items():
            same(f"{label} / {name}", f(), want)
        mine = best_ms(cxkit, args.repeat)
        theirs = {name: best_ms(f, args.repeat) for name, f in competitors.items()}
        rows.append((label, mine, theirs))
        if label == "overall NPS":
            floors[label] = best_ms(lambda: scores.sum(), args.repeat)
    print(f"\n{'job':<34} {'cxkit':>9} {'numpy':>9} {'pandas':>9} {'polars':>9}  {'fastest / cxkit':>15}")
    for label, mine, theirs in rows:
        fastest = min(theirs.values())
        print(f"{label:<34} {mine:>7.1f}ms " + " ".join(f"{theirs[k]:>7.1f}ms" for k in ("numpy", "pandas", "polars"))
              + f"  {fastest / mine:>14.1f}x")  # fmt: skip
        if label.startswith("ordered funnel"):
            print(f"{'':<34} {n / mine / 1000:>7.1f} million events/s")
    label = "overall NPS"
    mine = next(r[1] for r in rows if r[0] == label)
    print(f"\nOverall NPS against numpy's sum of the same int64 array (the memory-bandwidth floor): "
          f"{mine:.1f} ms vs {floors[label]:.1f} ms = {mine / floors[label]:.2f}x (target <= 2x)")  # fmt: skip
    grouped = next(r for r in rows if r[0].startswith("NPS ± CI"))
    print(f"Grouped NPS: {min(grouped[2].values()) / grouped[1]:.1f}x the fastest competitor (target >= 10x)")

    scores = rng.integers(0, 11, n)
    segment = rng.integers(0, 1000, n)
    size = scores.nbytes / 2**20
    print(f"\nExtra peak memory over the inputs ({size:.0f} MB of scores, as much again of segments):")
    print(f"  cx.nps {peak_extra_mb(lambda: cx.nps(scores)):.1f} MB; "
          f"cx.score_by {peak_extra_mb(lambda: cx.score_by(scores, segment)):.1f} MB "
          f"(a copy of one input would be {size:.0f} MB)")  # fmt: skip
    during, alone = gil_released(lambda: cx.score_by(scores, segment))
    print(f"GIL: a Python thread ran {during:.0f} loop iterations/ms during cx.score_by, {alone:.0f}/ms alone "
          f"({'released' if during > 0.2 * alone else 'held'})")  # fmt: skip


if __name__ == "__main__":
    main()
