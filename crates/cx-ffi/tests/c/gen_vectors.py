"""Writes vectors.h for the C tests from the repository's test data, so the C suite checks the same numbers as
the Rust and Python ones: the golden vectors (tests/data/survey.json) and the core's parity cases
(tests/data/parity.json). Usage: python3 gen_vectors.py OUT.h"""

import csv
import json
import math
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[4] / "tests" / "data"
vectors = json.loads((DATA / "survey.json").read_text())
cases = json.loads((DATA / "parity.json").read_text())["cases"]
out = []


def num(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NAN"
    return repr(float(x))


def array(name, values, ctype="double"):
    body = ", ".join(num(v) if ctype == "double" else str(v) for v in values) or "0"
    out.append(f"static const {ctype} {name}[] = {{{body}}};")


def string(value):
    return json.dumps(value)  # a JSON string literal is a valid C string literal for this ASCII content


INTERVAL = {"wald": 1, "adjusted_wald": 2, "agresti_min": 3, "bonett_price": 4, "tango": 5, "bootstrap": 6,
            "wilson": 7, "jeffreys": 8, "clopper_pearson": 9, "agresti_coull_z2": 10, "agresti_coull_add2": 11,
            "t": 12}
COMPARE = {"wald": 1, "adjusted": 2, "newcombe": 3, "agresti_caffo": 4, "welch": 5}

# Golden vectors: NPS from counts (point, variance, se), NPS intervals, proportion intervals, CSAT.
rows = []
for c in vectors["nps_point_and_variance"]:
    if "counts" not in c:
        continue
    d, q, p = c["counts"]
    rows.append(f"{{{d}, {q}, {p}, {num(c.get('nps'))}, {num(c.get('nps_points'))}, {num(c.get('variance'))}, "
                f"{num(c.get('se'))}}}")
out.append("typedef struct { uint64_t d, q, p; double nps, nps_points, variance, se; } nps_point_case;")
out.append(f"static const nps_point_case NPS_POINT[] = {{{', '.join(rows)}}};")
rows = []
for c in vectors["nps_point_and_variance"]:
    if "raw_scores" in c:
        name = f"NPS_RAW_{len(rows)}"
        array(name, [math.nan if isinstance(s, str) else s for s in c["raw_scores"]])
        rows.append(f"{{{name}, {len(c['raw_scores'])}, {num(c.get('nps'))}, {num(c.get('nps_points'))}, "
                    f"{num(c.get('se'))}}}")
out.append("typedef struct { const double *scores; size_t n; double nps, nps_points, se; } nps_raw_case;")
out.append(f"static const nps_raw_case NPS_RAW[] = {{{', '.join(rows) or '{0}'}}};")
out.append(f"#define NPS_RAW_COUNT {len(rows)}")

rows = []
for c in vectors["nps_intervals"]:
    d, q, p = c["counts"]
    for method in ("wald", "agresti_min", "bonett_price", "tango"):
        if method in c:
            lo, hi = c[method]
            rows.append(f"{{{d}, {q}, {p}, {INTERVAL[method]}, {num(lo)}, {num(hi)}}}")
out.append("typedef struct { uint64_t d, q, p; uint32_t interval; double lo, hi; } nps_interval_case;")
out.append(f"static const nps_interval_case NPS_INTERVALS[] = {{{', '.join(rows)}}};")

rows = []
for c in vectors["proportion_intervals"]:
    level = c.get("level", 0.95)
    for method in ("wilson", "jeffreys", "clopper_pearson", "agresti_coull_add2", "agresti_coull_z2"):
        if method in c:
            lo, hi = c[method]["interval"] if isinstance(c[method], dict) else c[method]
            rows.append(f"{{{c['k']}, {c['n']}, {num(level)}, {INTERVAL[method]}, {num(lo)}, {num(hi)}}}")
out.append("typedef struct { uint64_t k, n; double level; uint32_t interval; double lo, hi; } proportion_case;")
out.append(f"static const proportion_case PROPORTIONS[] = {{{', '.join(rows)}}};")

rows = []
for i, c in enumerate(vectors["csat_simple"]):
    array(f"CSAT_{i}", c["raw_scores"])
    rows.append(f"{{CSAT_{i}, {len(c['raw_scores'])}, {num(c['csat_percent'])}}}")
out.append("typedef struct { const double *scores; size_t n; double percent; } csat_case;")
out.append(f"static const csat_case CSAT_SIMPLE[] = {{{', '.join(rows)}}};")

# Parity: every score case through cx_score, compare cases through cx_compare, the grouped case, the bytes.
rows = []
for i, c in enumerate(x for x in cases if x["call"] == "score"):
    array(f"P_SCORES_{i}", c["scores"])
    weights = "NULL"
    if c["weights"] is not None:
        array(f"P_WEIGHTS_{i}", c["weights"])
        weights = f"P_WEIGHTS_{i}"
    r = c["result"]
    neg = r["shares"]["negative"]
    rows.append(
        f"{{{string(c['metric'])}, P_SCORES_{i}, {len(c['scores'])}, {weights}, {INTERVAL[c['interval']]}, "
        f"{num(c['level'])}, {{{num(r['value'])}, {num(r['se'])}, {num(r['ci_low'])}, {num(r['ci_high'])}, "
        f"{num(r['level'])}, {r['n']}, {num(r['n_effective'])}, {r['n_missing']}, {num(r['design_effect'])}, "
        f"{num(neg)}, {num(r['shares']['neutral'])}, {num(r['shares']['positive'])}, {r['counts']['negative']}, "
        f"{r['counts']['neutral']}, {r['counts']['positive']}, 0, {INTERVAL[r['method']['method']]}, "
        f"{'true' if r['weighted'] else 'false'}}}}}"
    )
out.append("typedef struct { const char *metric; const double *scores; size_t n; const double *weights; "
           "uint32_t interval; double level; cx_estimate want; } score_case;")
out.append(f"static const score_case SCORES[] = {{{', '.join(rows)}}};")

rows = []
for i, c in enumerate(x for x in cases if x["call"] == "compare"):
    array(f"P_A_{i}", c["a"])
    array(f"P_B_{i}", c["b"])
    r = c["result"]
    rows.append(f"{{{string(c['metric'])}, P_A_{i}, {len(c['a'])}, P_B_{i}, {len(c['b'])}, {COMPARE[c['method']]}, "
                f"{num(r['delta'])}, {num(r['se'])}, {num(r['p_value'])}, {num(r['ci_low'])}, {num(r['ci_high'])}}}")
out.append("typedef struct { const char *metric; const double *a; size_t n_a; const double *b; size_t n_b; "
           "uint32_t method; double delta, se, p_value, ci_low, ci_high; } compare_case;")
out.append(f"static const compare_case COMPARES[] = {{{', '.join(rows)}}};")

c = next(x for x in cases if x["call"] == "score_by" and x["weights"] is not None)
keys = sorted(set(c["keys"]))
array("G_SCORES", c["scores"])
array("G_WEIGHTS", c["weights"])
array("G_CODES", [keys.index(k) for k in c["keys"]], "uint32_t")
out.append(f"#define G_N {len(c['scores'])}")
out.append(f"#define G_GROUPS {len(keys)}")
out.append(f"#define G_MIN_N {c['min_n']}")
by_key = {r["key"]: r for r in c["result"]["rows"]}
rows = []
for k in keys:
    r = by_key.get(k)
    if r is None:
        s = next(s for s in c["result"]["suppressed"] if s["key"] == k)
        rows.append(f"{{false, {s['n']}, NAN, NAN, NAN, NAN, NAN}}")
    else:
        e = r["estimate"]
        rows.append(f"{{true, {e['n']}, {num(e['value'])}, {num(e['se'])}, {num(e['ci_low'])}, "
                    f"{num(r['vs_rest']['delta'])}, {num(r['p_adjusted'])}}}")
out.append("typedef struct { bool estimated; uint64_t n; double value, se, ci_low, delta, p_adjusted; } group_case;")
out.append(f"static const group_case GROUPS[] = {{{', '.join(rows)}}};")

c = next(x for x in cases if x["call"] == "accumulator")
array("ACC_SCORES", c["scores"])
array("ACC_WEIGHTS", c["weights"])
out.append(f"#define ACC_N {len(c['scores'])}")
acc_bytes = bytes.fromhex(c["bytes_hex"])
out.append(f"static const uint8_t ACC_BYTES[] = {{{', '.join(str(b) for b in acc_bytes)}}};")
out.append(f"#define ACC_BYTES_LEN {len(acc_bytes)}")
out.append(f"static const double ACC_VALUE = {num(c['result']['value'])};")

# Partial states: the inputs of the core's states and their bytes, which C must write identically.
c = next(x for x in cases if x["call"] == "partial_states")
array("PS_SCORES", c["scores"])
out.append(f"#define PS_N {len(c['scores'])}")
array("PS_DAYS", c["days"], "int64_t")
array("PS_ACCOUNTS", c["accounts"], "int64_t")
array("PS_EVENTS", c["events"], "uint32_t")
array("PS_TIMES", c["times"], "int64_t")
array("PS_HEALTH", c["health"])
array("PS_CHURNED", ["true" if x else "false" for x in c["churned"]], "bool")
for name in ("monthly", "funnel", "validation"):
    data = bytes.fromhex(c[f"{name}_hex"])
    out.append(f"static const uint8_t PS_{name.upper()}_BYTES[] = {{{', '.join(str(b) for b in data)}}};")
    out.append(f"#define PS_{name.upper()}_LEN {len(data)}")

# Health: every sample account's measures (so C scores and validates the whole sample), the core's scores of the
# first 60 (with NPS ages and previous scores) and its validation of all of them.
ROOT = DATA.parent.parent
with open(ROOT / "data" / "sample" / "accounts.csv") as f:
    accounts = list(csv.DictReader(f))
hs = next(x for x in cases if x["call"] == "health_score")
for i, m in enumerate(hs["measures"]):
    array(f"H_VALUE_{i}", [float(a[m]) if a[m] else None for a in accounts])
out.append("static const double *const H_VALUES[] = {" + ", ".join(f"H_VALUE_{i}" for i in range(len(hs["measures"]))) + "};")
nps_at = hs["measures"].index("nps")
array("H_NPS_AGES", [float(a["nps_age_days"]) if a["nps_age_days"] else None for a in accounts])
array("H_PREVIOUS", [float(a["previous_score"]) if a["previous_score"] else None for a in accounts])
array("H_CHURNED", [int(a["churned_next_quarter"]) for a in accounts], "uint8_t")
out.append(f"#define H_MEASURES {len(hs['measures'])}")
out.append(f"#define H_NPS_AT {nps_at}")
out.append(f"#define H_ACCOUNTS {len(accounts)}")
out.append(f"#define H_CHECKED {len(hs['result']['score'])}")
array("H_WANT_SCORE", hs["result"]["score"])
array("H_WANT_COVERAGE", hs["result"]["coverage"])
array("H_WANT_BAND", [-1 if b is None else b for b in hs["result"]["band"]], "int32_t")
hv = next(x for x in cases if x["call"] == "health_validate")["result"]
out.append(f"static const double H_WANT_AUC = {num(hv['auc'])};")
out.append(f"static const double H_WANT_PRECISION = {num(hv['threshold']['precision'])};")
out.append(f"static const double H_WANT_CAPTURE = {num(hv['top_decile']['capture'])};")
out.append(f"static const uint64_t H_WANT_N = {hv['n']};")
out.append("static const char H_SCORECARD[] = " + json.dumps((ROOT / "data" / "sample" / "scorecard.json").read_text()) + ";")

# Goals: each case's goal JSON, observations and the core's exact JSON result, which C must reproduce byte for byte.
def cstring(text):
    """A C string literal for any UTF-8 text: quotes and backslashes escaped, other bytes outside printable ASCII
    as octal escapes (three digits, so a following digit cannot extend them)."""
    body = "".join(
        "\\" + c if c in '"\\' else c if 32 <= ord(c) < 127 else "".join(f"\\{b:03o}" for b in c.encode())
        for c in text
    )
    return f'"{body}"'


out.append("typedef struct { const char *goal; const int32_t *days; const double *values; size_t n; int32_t as_of; "
           "const char *want; } goal_case;")
for call, prefix, days_key, values_key in (("goal_check", "G_CHECK", "history_days", "history_values"),
                                           ("goal_progress", "G_PROGRESS", "days", "values")):
    entries = []
    for i, c in enumerate(x for x in cases if x["call"] == call):
        array(f"{prefix}_DAYS_{i}", c[days_key], "int32_t")
        array(f"{prefix}_VALUES_{i}", c[values_key])
        entries.append(f"{{{cstring(c['goal_json'])}, {prefix}_DAYS_{i}, {prefix}_VALUES_{i}, {len(c[days_key])}, "
                       f"{c.get('as_of', 0)}, {cstring(c['json'])}}}")
    out.append(f"static const goal_case {prefix}_CASES[] = {{\n  " + ",\n  ".join(entries) + "};")
tp = next(x for x in cases if x["call"] == "goal_tree_progress")
array("G_TREE_CODES", tp["codes"], "uint32_t")
array("G_TREE_DAYS", tp["days"], "int32_t")
array("G_TREE_VALUES", tp["values"])
out.append(f"#define G_TREE_N {len(tp['codes'])}")
out.append(f"static const int32_t G_TREE_AS_OF = {tp['as_of']};")
out.append(f"static const char G_TREE_WANT[] = {cstring(tp['json'])};")
out.append(f"static const char G_TREE_JSON[] = {cstring((ROOT / 'data' / 'sample' / 'goals.json').read_text())};")
out.append(f"static const char G_CLOSED_JSON[] = {cstring((ROOT / 'data' / 'sample' / 'goals_closed.json').read_text())};")
sr = next(x for x in cases if x["call"] == "goal_success_rate")["result"]
out.append(f"static const double G_WANT_RATE = {num(sr['rate'])};")

# Journeys: evaluations, portfolios and candidates of the sample roadmaps, compared byte for byte with the core's
# JSON. Those texts are too long for portable C string literals, so facts and wanted results are files next to
# the header and the header holds their paths.
OUT_DIR = Path(sys.argv[1]).resolve().parent
SAMPLE = ROOT / "data" / "sample"
out.append("typedef struct { const char *roadmap; const char *facts; int32_t as_of; int view; const char *want; } "
           "journey_case;")
entries = []
for i, c in enumerate(x for x in cases if x["call"] in ("roadmap_evaluate", "roadmap_portfolio", "roadmap_candidates")):
    facts_path = ""
    if "facts" in c:
        facts = json.loads((SAMPLE / c["facts"]).read_text())
        if "n_accounts" in c:
            facts = {"accounts": facts["accounts"][: c["n_accounts"]]}
        facts_path = OUT_DIR / f"journey_facts_{i}.json"
        facts_path.write_text(json.dumps(facts))
    want_path = OUT_DIR / f"journey_want_{i}.json"
    want_path.write_text(c["json"])
    view = {"roadmap_evaluate": 0, "roadmap_portfolio": 1, "roadmap_candidates": 2}[c["call"]]
    entries.append(f"{{{cstring(str(SAMPLE / c['roadmap']))}, {cstring(str(facts_path))}, {c.get('as_of', 0)}, "
                   f"{view}, {cstring(str(want_path))}}}")
out.append("static const journey_case J_CASES[] = {\n  " + ",\n  ".join(entries) + "};")
FUNNEL_MODE = {"ordered": 0, "strict": 1, "any_order": 2}
out.append("typedef struct { const int64_t *accounts; const uint32_t *events; const int64_t *timestamps; size_t n; "
           "const uint32_t *steps; size_t n_steps; int64_t window; uint32_t mode; bool has_as_of; int64_t as_of; "
           "const double *want; uint64_t n_accounts; } funnel_case;")
entries = []
for i, c in enumerate(x for x in cases if x["call"] == "funnel"):
    array(f"F_ACCOUNTS_{i}", c["accounts"], "int64_t")
    array(f"F_EVENTS_{i}", c["events"], "uint32_t")
    array(f"F_TIMESTAMPS_{i}", c["timestamps"], "int64_t")
    array(f"F_STEPS_{i}", c["steps"], "uint32_t")
    fields = ("reached", "in_progress", "dropped", "conversion_from_previous", "conversion_from_entry",
              "time_to_convert_p50", "time_to_convert_p90")
    array(f"F_WANT_{i}", [s[f] for s in c["result"]["steps"] for f in fields])
    entries.append(f"{{F_ACCOUNTS_{i}, F_EVENTS_{i}, F_TIMESTAMPS_{i}, {len(c['accounts'])}, F_STEPS_{i}, "
                   f"{len(c['steps'])}, {c['window']}, {FUNNEL_MODE[c['mode']]}, "
                   f"{'true' if c['as_of'] is not None else 'false'}, {c['as_of'] or 0}, F_WANT_{i}, "
                   f"{c['result']['n_accounts']}}}")
out.append("static const funnel_case F_CASES[] = {\n  " + ",\n  ".join(entries) + "};")

# Two factors: Kano, PRCA, the effortless metric and tagging on the sample files, compared byte for byte with the
# core's JSON (wanted results and long inputs as files beside the header).
def sample_rows(name):
    with open(SAMPLE / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def want_file(name, text):
    path = OUT_DIR / name
    path.write_text(text, encoding="utf-8")
    return cstring(str(path))


ANSWER = {"": 0, "like": 1, "must-be": 2, "neutral": 3, "live-with": 4, "dislike": 5}
kano_rows = sample_rows("kano_answers.csv")
names = list(dict.fromkeys(r["attribute"] for r in kano_rows))
array("K_FUNCTIONAL", [ANSWER[r["functional"]] for r in kano_rows], "uint8_t")
array("K_DYSFUNCTIONAL", [ANSWER[r["dysfunctional"]] for r in kano_rows], "uint8_t")
array("K_ATTRIBUTE", [names.index(r["attribute"]) for r in kano_rows], "uint32_t")
array("K_IMPORTANCE", [float(r["importance"]) for r in kano_rows])
out.append(f"#define K_N {len(kano_rows)}")
out.append("typedef struct { bool weighted; const char *options; const char *want; } kano_case;")
entries = []
for i, c in enumerate(x for x in cases if x["call"] == "kano"):
    options = json.dumps({"names": names, "table": c["table"], "rule": c["rule_json"]})
    entries.append(f"{{{'true' if c['weighted'] else 'false'}, {cstring(options)}, "
                   f"{want_file(f'kano_want_{i}.json', c['json'])}}}")
out.append("static const kano_case K_CASES[] = {\n  " + ",\n  ".join(entries) + "};")

rating_rows = sample_rows("attribute_ratings.csv")
attributes = [k for k in rating_rows[0] if k not in ("respondent", "overall")]
array("P_RATINGS", [float(r[a]) for r in rating_rows for a in attributes])
array("P_OVERALL", [float(r["overall"]) for r in rating_rows])
out.append(f"#define P_ROWS {len(rating_rows)}")
out.append(f"#define P_ATTRIBUTES {len(attributes)}")
out.append("typedef struct { const char *options; const char *want; } prca_case;")
entries = []
for i, c in enumerate(x for x in cases if x["call"] == "prca"):
    options = json.dumps({"names": attributes, **c["options"]})
    entries.append(f"{{{cstring(options)}, {want_file(f'prca_want_{i}.json', c['json'])}}}")
out.append("static const prca_case P_CASES[] = {\n  " + ",\n  ".join(entries) + "};")

support = sample_rows("support_feedback.csv")
for flag in ("problem", "offered", "resolved", "contacted"):
    array(f"E_{flag.upper()}", ["true" if r[flag] == "true" else "false" for r in support], "bool")
out.append(f"#define E_N {len(support)}")
ef = next(x for x in cases if x["call"] == "effortless")
out.append(f"static const double E_LEVEL = {num(ef['level'])};")
out.append(f"static const char E_WANT_FILE[] = {want_file('effortless_want.json', ef['json'])};")
tt = next(x for x in cases if x["call"] == "tag_texts")
out.append(f"static const char T_TEXTS_FILE[] = "
           f"{want_file('tag_texts.json', json.dumps(tt['texts'], ensure_ascii=False))};")
out.append(f"static const double T_LEVEL = {num(tt['level'])};")
out.append(f"static const char T_WANT_FILE[] = {want_file('tag_want.json', tt['json'])};")

header = ["/* Generated by gen_vectors.py from tests/data; do not edit. */", "#include <math.h>",
          "#include <stdbool.h>", "#include <stddef.h>", "#include <stdint.h>", '#include "cx.h"',
          "#define COUNT(a) (sizeof(a) / sizeof((a)[0]))"]
Path(sys.argv[1]).write_text("\n".join(header + out) + "\n")
