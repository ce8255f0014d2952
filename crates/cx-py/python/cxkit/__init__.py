"""cxkit: customer-experience analytics over the cx Rust core.

Survey metrics (NPS, CSAT, CES) with honest statistics: every estimate carries its standard error, interval,
n, effective n, missing count and the method that produced it.

>>> import cxkit as cx
>>> e = cx.nps([10, 9, 9, 7, 3, 10, 8, 0])
>>> e.value, e.n
(25.0, 8)
"""

from cxkit import _cxkit
from cxkit.errors import _contain_panics

# First, before any module takes names from it: every entry point raises a panic as InternalError.
_contain_panics(_cxkit)

from cxkit._cxkit import (

    Comparison,
    Estimate,
    Histogram,
    MetricSpec,
    PairedComparison,
    __version__,
)
from cxkit.errors import (
    ConfigError,
    CxError,
    EmptyInputError,
    IncompatibleError,
    InternalError,
    LimitExceededError,
    InsufficientDataError,
    InvalidArgumentError,
    InvalidInputError,
    NotApplicableError,
)
from cxkit.goals import Goal, GoalTree, Letter, Progress, Projection, SmartCheck, fiscal_year_of, quarter_of
from cxkit.health import Explanation, Population, Scorecard, validate_scores
from cxkit.journey import Evaluation, Portfolio, Roadmap, funnel
from cxkit.partial import FunnelState, GroupedHistogram, ValidationCounts
from cxkit.two_factor import Effortless, Lexicon, Tagging, effortless, kano, kano_summary, prca, tag_feedback
from cxkit.survey import (
    BINARY_CSAT,
    CES1_MEAN,
    CES2_AGREE,
    CES2_MEAN,
    CES2_NET,
    CSAT,
    CSAT10,
    NPS,
    PRESETS,
    adjust_pvalues,
    ces,
    compare,
    compare_paired,
    csat,
    latest_per_respondent,
    margin_of_error,
    metric_spec,
    nps,
    nps_from_counts,
    one_sample_test,
    rolling,
    sample_size,
    score,
    score_by,
    trend,
)

__all__ = [
    "__version__",
    # results and state
    "Estimate",
    "Comparison",
    "PairedComparison",
    "Histogram",
    "MetricSpec",
    # partial states (cxkit.partial; engines in cxkit.dist)
    "GroupedHistogram",
    "FunnelState",
    "ValidationCounts",
    "Population",
    # errors
    "CxError",
    "InvalidInputError",
    "InvalidArgumentError",
    "ConfigError",
    "EmptyInputError",
    "InsufficientDataError",
    "NotApplicableError",
    "IncompatibleError",
    "LimitExceededError",
    "InternalError",
    # two factors
    "kano",
    "kano_summary",
    "prca",
    "Lexicon",
    "Tagging",
    "tag_feedback",
    "Effortless",
    "effortless",
    # journeys
    "Roadmap",
    "Evaluation",
    "Portfolio",
    "funnel",
    # goals
    "Goal",
    "GoalTree",
    "SmartCheck",
    "Letter",
    "Progress",
    "Projection",
    "quarter_of",
    "fiscal_year_of",
    # health
    "Scorecard",
    "Explanation",
    "validate_scores",
    # survey
    "PRESETS",
    "NPS",
    "CSAT",
    "CSAT10",
    "CES2_MEAN",
    "CES2_AGREE",
    "CES2_NET",
    "CES1_MEAN",
    "BINARY_CSAT",
    "metric_spec",
    "score",
    "nps",
    "nps_from_counts",
    "csat",
    "ces",
    "compare",
    "compare_paired",
    "one_sample_test",
    "score_by",
    "trend",
    "rolling",
    "latest_per_respondent",
    "sample_size",
    "margin_of_error",
    "adjust_pvalues",
]
