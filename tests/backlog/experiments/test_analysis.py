"""The whole analysis of an experiment, cross-checked number by number.

Each case is a plan, metrics and variants' numbers as the experiment page and
the API read them. Every raw p-value and interval is recomputed here with SciPy
(Welch's ``ttest_ind_from_stats(equal_var=False)``) and statsmodels (the pooled
``proportions_ztest`` and the Wald ``confint_proportions_2indep``), the family
of primary and secondary metrics × challengers is adjusted with statsmodels'
``multipletests`` (holm, fdr_bh), sequential p-values and confidence sequences
follow GrowthBook's gbstats formulas written out below, guardrails the
one-sided tests against their margin with SciPy's distributions, and the
sample-ratio check SciPy's ``chisquare``; all to 10⁻⁹. Progress and the
recommendation are stated per case.
"""

import math
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
)

from backlog.experiments.analysis import (
    CONVERSION,
    COUNT,
    GUARDRAIL,
    MEAN,
    PRIMARY,
    SECONDARY,
    ExperimentPlan,
    MetricPlan,
    Numbers,
    VariantPlan,
    analyse,
)
from backlog.experiments.corrections import Correction
from backlog.experiments.guardrails import Direction

TODAY = date(2026, 12, 1)
FOUR_WEEKS_AGO = TODAY - timedelta(days=27)  # 28 days running, today included
N = 10**9
UP, DOWN = Direction.UP_IS_GOOD, Direction.DOWN_IS_GOOD
REL, ABS = 1e-9, 1e-12

REACHED = ExperimentPlan(
    planned_visitors_per_variant=1000,
    minimum_weeks=1,
    maximum_weeks=8,
    started_on=FOUR_WEEKS_AGO,
)


def plan(**fields) -> ExperimentPlan:
    values = {
        "alpha": REACHED.alpha,
        "correction": REACHED.correction,
        "sequential": REACHED.sequential,
        "planned_visitors_per_variant": REACHED.planned_visitors_per_variant,
        "minimum_weeks": REACHED.minimum_weeks,
        "maximum_weeks": REACHED.maximum_weeks,
        "started_on": REACHED.started_on,
    }
    return ExperimentPlan(**(values | fields))


def conversion(key, role=PRIMARY, direction=UP, margin=None) -> MetricPlan:
    return MetricPlan(key, key.replace("_", " "), CONVERSION, direction, role, margin)


def mean(key, role=PRIMARY, direction=UP, margin=None, kind=MEAN) -> MetricPlan:
    return MetricPlan(key, key.replace("_", " "), kind, direction, role, margin)


def rate(visitors: int, conversions: int) -> Numbers:
    return Numbers(visitors, conversions=conversions)


def spread(visitors: int, mean_value: float, sd: float) -> Numbers:
    """A mean metric's visitors, sum and sum of squares for this mean and sd."""
    total = mean_value * visitors
    return Numbers(
        visitors, sum=total, sum_squares=sd * sd * (visitors - 1) + total**2 / visitors
    )


def sums(visitors: int, total: float, squares: float) -> Numbers:
    return Numbers(visitors, sum=total, sum_squares=squares)


def arms(*named, weights=None) -> list[VariantPlan]:
    """Variants, the first the control: (name, {metric key: Numbers})."""
    variants = []
    for index, (name, numbers) in enumerate(named):
        first = next(iter(numbers.values()))
        variants.append(
            VariantPlan(
                name=name,
                is_control=index == 0,
                planned_weight=weights[index] if weights else 1,
                visitors=first.visitors,
                numbers=numbers,
            )
        )
    return variants


@dataclass
class Case:
    name: str
    metrics: list[MetricPlan]
    variants: list[VariantPlan]
    recommendation: str
    plan: ExperimentPlan = REACHED
    verdicts: dict[tuple[str, str], str] = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    sample_ratio_mismatch: bool = False

    def __str__(self) -> str:
        return self.name


CART, REVENUE, CONTACTS = "add_to_cart", "revenue", "support_contacts"

CASES = [
    Case(
        "a conversion goal clearly won",
        [conversion(CART)],
        arms(("Control", {CART: rate(10000, 1000)}), ("B", {CART: rate(10000, 1150)})),
        "ship",
    ),
    Case(
        "a conversion goal clearly lost",
        [conversion(CART)],
        arms(("Control", {CART: rate(10000, 1000)}), ("B", {CART: rate(10000, 850)})),
        "dont_ship",
    ),
    Case(
        "no difference to speak of",
        [conversion(CART)],
        arms(("Control", {CART: rate(10000, 1000)}), ("B", {CART: rate(10000, 1010)})),
        "inconclusive",
    ),
    Case(
        "zero conversions in both arms",
        [conversion(CART)],
        arms(("Control", {CART: rate(5000, 0)}), ("B", {CART: rate(5000, 0)})),
        "inconclusive",
    ),
    Case(
        "zero conversions in the control only",
        [conversion(CART)],
        arms(("Control", {CART: rate(5000, 0)}), ("B", {CART: rate(5000, 12)})),
        "ship",
    ),
    Case(
        "every visitor converts in both arms",
        [conversion(CART)],
        arms(("Control", {CART: rate(2000, 2000)}), ("B", {CART: rate(2000, 2000)})),
        "inconclusive",
    ),
    Case(
        "one visitor in each arm",
        [conversion(CART)],
        arms(("Control", {CART: rate(1, 0)}), ("B", {CART: rate(1, 1)})),
        "inconclusive",
        plan=plan(planned_visitors_per_variant=1),
    ),
    Case(
        "one visitor against ten thousand keeps running",
        [conversion(CART)],
        arms(("Control", {CART: rate(10000, 1000)}), ("B", {CART: rate(1, 1)})),
        "keep_running",
        sample_ratio_mismatch=True,
        progress={"visitors": 1, "plan_reached": False},
    ),
    Case(
        "10⁹ visitors, a lift of three in a hundred thousand",
        [conversion(CART)],
        arms(
            ("Control", {CART: rate(N, N // 20)}),
            ("B", {CART: rate(N, N // 20 + 30_000)}),
        ),
        "ship",
    ),
    Case(
        "10⁹ visitors, no lift",
        [conversion(CART)],
        arms(
            ("Control", {CART: rate(N, N // 20)}),
            ("B", {CART: rate(N, N // 20 + 100)}),
        ),
        "inconclusive",
    ),
    Case(
        "revenue per visitor won",
        [mean(REVENUE)],
        arms(
            ("Control", {REVENUE: spread(10000, 1.5, 3.0)}),
            ("B", {REVENUE: spread(10000, 1.65, 3.0)}),
        ),
        "ship",
    ),
    Case(
        "a mean metric without variance in either arm",
        [mean(REVENUE)],
        arms(
            ("Control", {REVENUE: sums(1000, 5000.0, 25000.0)}),
            ("B", {REVENUE: sums(1000, 5000.0, 25000.0)}),
        ),
        "inconclusive",
    ),
    Case(
        "a mean metric without variance in the control",
        [mean(REVENUE)],
        arms(
            ("Control", {REVENUE: sums(1000, 5000.0, 25000.0)}),
            ("B", {REVENUE: spread(1000, 5.2, 1.0)}),
        ),
        "ship",
    ),
    Case(
        "a mean metric with one visitor in the control",
        [mean(REVENUE)],
        arms(
            ("Control", {REVENUE: sums(1, 3.0, 9.0)}),
            ("B", {REVENUE: spread(1000, 3.0, 1.0)}),
        ),
        "inconclusive",
        plan=plan(planned_visitors_per_variant=1),
        sample_ratio_mismatch=True,
    ),
    Case(
        "a mean metric at 10⁹ visitors",
        [mean(REVENUE)],
        arms(
            ("Control", {REVENUE: spread(N, 4.2, 15.0)}),
            ("B", {REVENUE: spread(N, 4.2015, 15.0)}),
        ),
        "ship",
    ),
    Case(
        "a count metric where down is good went down",
        [mean(CONTACTS, direction=DOWN, kind=COUNT)],
        arms(
            ("Control", {CONTACTS: spread(10000, 0.05, 0.25)}),
            ("B", {CONTACTS: spread(10000, 0.04, 0.22)}),
        ),
        "ship",
    ),
    Case(
        "a count metric where down is good went up",
        [mean(CONTACTS, direction=DOWN, kind=COUNT)],
        arms(
            ("Control", {CONTACTS: spread(10000, 0.04, 0.22)}),
            ("B", {CONTACTS: spread(10000, 0.05, 0.25)}),
        ),
        "dont_ship",
    ),
    Case(
        "won, and the refunds guardrail held",
        [conversion(CART), conversion("refund", GUARDRAIL, DOWN, 0.05)],
        arms(
            ("Control", {CART: rate(100_000, 10_000), "refund": rate(100_000, 20_000)}),
            ("B", {CART: rate(100_000, 10_600), "refund": rate(100_000, 19_900)}),
        ),
        "ship",
        verdicts={("refund", "B"): "passed"},
    ),
    Case(
        "won on add to cart but failed the support-contacts guardrail",
        [
            conversion(CART),
            mean(CONTACTS, GUARDRAIL, DOWN, 0.02, kind=COUNT),
        ],
        arms(
            (
                "Control",
                {CART: rate(10000, 1200), CONTACTS: sums(10000, 500.0, 700.0)},
            ),
            ("B", {CART: rate(10000, 1400), CONTACTS: sums(10000, 800.0, 1100.0)}),
        ),
        "dont_ship",
        verdicts={(CONTACTS, "B"): "failed"},
    ),
    Case(
        "won while a small guardrail is not decided",
        [conversion(CART), conversion("refund", GUARDRAIL, DOWN, 0.05)],
        arms(
            ("Control", {CART: rate(20000, 2000), "refund": rate(2000, 40)}),
            ("B", {CART: rate(20000, 2400), "refund": rate(2000, 41)}),
        ),
        "ship",
        verdicts={("refund", "B"): "not_decided"},
    ),
    Case(
        "won while revenue per visitor held within its margin",
        [conversion(CART), mean(REVENUE, GUARDRAIL, UP, 0.03)],
        arms(
            (
                "Control",
                {CART: rate(50000, 5000), REVENUE: spread(50000, 20.0, 30.0)},
            ),
            ("B", {CART: rate(50000, 5500), REVENUE: spread(50000, 20.1, 30.0)}),
        ),
        "ship",
        verdicts={(REVENUE, "B"): "passed"},
    ),
    Case(
        "a primary and three secondaries corrected by Holm",
        [
            conversion(CART),
            conversion("checkout", SECONDARY),
            mean(REVENUE, SECONDARY),
            conversion("newsletter", SECONDARY),
        ],
        arms(
            (
                "Control",
                {
                    CART: rate(20000, 2000),
                    "checkout": rate(20000, 1000),
                    REVENUE: spread(20000, 3.0, 9.0),
                    "newsletter": rate(20000, 300),
                },
            ),
            (
                "B",
                {
                    CART: rate(20000, 2200),
                    "checkout": rate(20000, 1040),
                    REVENUE: spread(20000, 3.2, 9.0),
                    "newsletter": rate(20000, 330),
                },
            ),
        ),
        "ship",
    ),
    Case(
        "the same family by Benjamini–Hochberg",
        [
            conversion(CART),
            conversion("checkout", SECONDARY),
            mean(REVENUE, SECONDARY),
            conversion("newsletter", SECONDARY),
        ],
        arms(
            (
                "Control",
                {
                    CART: rate(20000, 2000),
                    "checkout": rate(20000, 1000),
                    REVENUE: spread(20000, 3.0, 9.0),
                    "newsletter": rate(20000, 300),
                },
            ),
            (
                "B",
                {
                    CART: rate(20000, 2200),
                    "checkout": rate(20000, 1040),
                    REVENUE: spread(20000, 3.2, 9.0),
                    "newsletter": rate(20000, 330),
                },
            ),
        ),
        "ship",
        plan=plan(correction=Correction.BENJAMINI_HOCHBERG),
    ),
    Case(
        "the same family without correction",
        [
            conversion(CART),
            conversion("checkout", SECONDARY),
            mean(REVENUE, SECONDARY),
        ],
        arms(
            (
                "Control",
                {
                    CART: rate(20000, 2000),
                    "checkout": rate(20000, 1000),
                    REVENUE: spread(20000, 3.0, 9.0),
                },
            ),
            (
                "B",
                {
                    CART: rate(20000, 2200),
                    "checkout": rate(20000, 1040),
                    REVENUE: spread(20000, 3.2, 9.0),
                },
            ),
        ),
        "ship",
        plan=plan(correction=Correction.NONE),
    ),
    Case(
        "a win that Holm takes away",
        [conversion(CART)] + [conversion(f"micro_{i}", SECONDARY) for i in range(5)],
        arms(
            (
                "Control",
                {CART: rate(20000, 2000)}
                | {f"micro_{i}": rate(20000, 500 + 10 * i) for i in range(5)},
            ),
            (
                "B",
                {CART: rate(20000, 2110)}
                | {f"micro_{i}": rate(20000, 505 + 10 * i) for i in range(5)},
            ),
        ),
        "inconclusive",
    ),
    *[
        Case(
            f"six variants by {correction.value}",
            [conversion(CART), mean(REVENUE, SECONDARY)],
            arms(
                *[
                    (
                        name,
                        {
                            CART: rate(30000, 3000 + lift),
                            REVENUE: spread(30000, 2.0 + lift / 10000, 6.0),
                        },
                    )
                    for name, lift in (
                        ("Control", 0),
                        ("B", 40),
                        ("C", -30),
                        ("D", 260),
                        ("E", 90),
                        ("F", 10),
                    )
                ]
            ),
            "ship",
            plan=plan(correction=correction),
        )
        for correction in (Correction.HOLM, Correction.BENJAMINI_HOCHBERG)
    ],
    Case(
        "six variants: one won, one did harm, the winner ships",
        [conversion(CART), conversion("refund", GUARDRAIL, DOWN, 0.02)],
        arms(
            *[
                (
                    name,
                    {
                        CART: rate(30000, 3000 + lift),
                        "refund": rate(30000, 600 + harm),
                    },
                )
                for name, lift, harm in (
                    ("Control", 0, 0),
                    ("B", 300, 0),
                    ("C", -320, 0),
                    ("D", 20, 200),
                    ("E", 0, 0),
                    ("F", 10, -5),
                )
            ]
        ),
        "ship",
        verdicts={("refund", "D"): "failed"},
    ),
    Case(
        "sequential: an early look at a win keeps running",
        [conversion(CART)],
        arms(("Control", {CART: rate(5000, 500)}), ("B", {CART: rate(5000, 650)})),
        "keep_running",
        plan=plan(sequential=True, planned_visitors_per_variant=10000),
        progress={"plan_reached": False, "looked_early": False, "days_left": 28},
    ),
    Case(
        "sequential: the plan reached with a win",
        [conversion(CART)],
        arms(
            ("Control", {CART: rate(10000, 1000)}),
            ("B", {CART: rate(10000, 1200)}),
        ),
        "ship",
        plan=plan(sequential=True, planned_visitors_per_variant=10000),
    ),
    Case(
        "sequential: a win the always-valid p-value does not yet show",
        [conversion(CART)],
        arms(
            ("Control", {CART: rate(10000, 1000)}),
            ("B", {CART: rate(10000, 1090)}),
        ),
        "inconclusive",
        plan=plan(sequential=True, planned_visitors_per_variant=10000),
    ),
    Case(
        "sequential: a mean metric and a secondary, corrected by Holm",
        [mean(REVENUE), conversion(CART, SECONDARY)],
        arms(
            (
                "Control",
                {REVENUE: spread(40000, 3.0, 9.0), CART: rate(40000, 4000)},
            ),
            ("B", {REVENUE: spread(40000, 3.3, 9.0), CART: rate(40000, 4100)}),
            ("C", {REVENUE: spread(40000, 3.05, 9.0), CART: rate(40000, 4300)}),
        ),
        "ship",
        plan=plan(sequential=True, planned_visitors_per_variant=40000),
    ),
    Case(
        "sequential at 10⁹ visitors",
        [conversion(CART), mean(REVENUE, SECONDARY)],
        arms(
            (
                "Control",
                {CART: rate(N, N // 20), REVENUE: spread(N, 4.2, 15.0)},
            ),
            (
                "B",
                {CART: rate(N, N // 20 + 60_000), REVENUE: spread(N, 4.2, 15.0)},
            ),
        ),
        "ship",
        plan=plan(sequential=True, planned_visitors_per_variant=N),
    ),
    Case(
        "the planned sample not reached: days left at the observed traffic",
        [conversion(CART)],
        arms(("Control", {CART: rate(4000, 400)}), ("B", {CART: rate(4000, 420)})),
        "keep_running",
        plan=plan(planned_visitors_per_variant=10000, minimum_weeks=2),
        # 4 000 a variant in 28 days: 6 000 more take 42 days.
        progress={
            "days_running": 28,
            "days_left": 42,
            "plan_reached": False,
            "under_powered": True,
            "looked_early": True,
        },
    ),
    Case(
        "the planned sample within reach of the maximum runtime",
        [conversion(CART)],
        arms(("Control", {CART: rate(8000, 800)}), ("B", {CART: rate(8000, 820)})),
        "keep_running",
        plan=plan(planned_visitors_per_variant=10000, maximum_weeks=6),
        # 2 000 more at 8 000 / 28 a day: 7 days, 35 in all, under 42.
        progress={"days_left": 7, "under_powered": False, "maximum_days": 42},
    ),
    Case(
        "the minimum runtime not reached",
        [conversion(CART)],
        arms(
            ("Control", {CART: rate(20000, 2000)}),
            ("B", {CART: rate(20000, 2400)}),
        ),
        "keep_running",
        plan=plan(
            started_on=TODAY - timedelta(days=9),
            minimum_weeks=2,
            planned_visitors_per_variant=10000,
        ),
        progress={
            "days_running": 10,
            "minimum_days": 14,
            "days_left": 4,
            "plan_reached": False,
        },
    ),
    Case(
        "a sample-ratio mismatch makes a win inconclusive",
        [conversion(CART)],
        arms(
            ("Control", {CART: rate(10000, 1000)}),
            ("B", {CART: rate(9000, 1100)}),
        ),
        "inconclusive",
        sample_ratio_mismatch=True,
    ),
    Case(
        "harm seen early needs no full sample",
        [conversion(CART)],
        arms(("Control", {CART: rate(3000, 600)}), ("B", {CART: rate(3000, 450)})),
        "dont_ship",
        plan=plan(planned_visitors_per_variant=10000),
        progress={"plan_reached": False},
    ),
    Case(
        "a failed guardrail seen early",
        [conversion(CART), conversion("refund", GUARDRAIL, DOWN, 0.02)],
        arms(
            ("Control", {CART: rate(3000, 300), "refund": rate(3000, 300)}),
            ("B", {CART: rate(3000, 310), "refund": rate(3000, 420)}),
        ),
        "dont_ship",
        plan=plan(planned_visitors_per_variant=10000),
        verdicts={("refund", "B"): "failed"},
        progress={"plan_reached": False},
    ),
    Case(
        "a planned 2 : 1 split, kept",
        [conversion(CART)],
        arms(
            ("Control", {CART: rate(20000, 2000)}),
            ("B", {CART: rate(10000, 1150)}),
            weights=[2, 1],
        ),
        "ship",
    ),
    Case(
        "ten variants and twenty metrics at 10⁹ visitors, sequential",
        [conversion(CART)]
        + [
            (conversion if i % 2 else mean)(
                f"m{i}", GUARDRAIL if i % 5 == 4 else SECONDARY, UP, 0.01
            )
            if i % 5 == 4
            else (conversion if i % 2 else mean)(f"m{i}", SECONDARY)
            for i in range(1, 20)
        ],
        arms(
            *[
                (
                    "Control" if v == 0 else f"V{v}",
                    {CART: rate(N, N // 20 + 7_000 * v)}
                    | {
                        f"m{i}": rate(N, N // 50 + 500 * v * i)
                        if i % 2
                        else spread(N, 4.2 + 1e-4 * v, 15.0)
                        for i in range(1, 20)
                    },
                )
                for v in range(10)
            ]
        ),
        "ship",
        plan=plan(sequential=True, planned_visitors_per_variant=N),
    ),
]


# The references, computed here from the numbers and nothing in the app.


def _quiet():
    """SciPy and statsmodels answer nan, with a warning, where a test is undefined."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("ignore")
    return context


def _nan_to_none(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _moments(numbers: Numbers) -> tuple[float, float]:
    """The mean and sample standard deviation (nan below two visitors)."""
    n = numbers.visitors
    if n < 2:
        return numbers.sum / n, math.nan
    exact = Fraction(numbers.sum_squares) - Fraction(numbers.sum) ** 2 / n
    return numbers.sum / n, math.sqrt(max(0.0, float(exact / (n - 1))))


def _welch_df(sd_c, n_c, sd_v, n_v) -> float:
    v, c = sd_v**2 / n_v, sd_c**2 / n_c
    return (v + c) ** 2 / (v**2 / (n_v - 1) + c**2 / (n_c - 1))


@dataclass
class Reference:
    difference: float | None
    p_value: float | None
    interval: tuple[float, float] | None
    standard_error: float | None
    degrees_of_freedom: float | None  # None: normal


def _conversion_reference(c: Numbers, v: Numbers, alpha: float) -> Reference:
    p_c, p_v = c.conversions / c.visitors, v.conversions / v.visitors
    context = _quiet()
    try:
        _, p_value = proportions_ztest(
            [v.conversions, c.conversions], [v.visitors, c.visitors]
        )
        low, high = confint_proportions_2indep(
            v.conversions,
            v.visitors,
            c.conversions,
            c.visitors,
            method="wald",
            compare="diff",
            alpha=alpha,
        )
    finally:
        context.__exit__(None, None, None)
    p = _nan_to_none(p_value)
    if p is None and p_c == p_v:
        p = 1.0  # no variance at all: nothing speaks against equal rates
    return Reference(
        difference=p_v - p_c,
        p_value=p,
        interval=(float(low), float(high)),
        standard_error=math.sqrt(
            p_c * (1 - p_c) / c.visitors + p_v * (1 - p_v) / v.visitors
        ),
        degrees_of_freedom=None,
    )


def _mean_reference(c: Numbers, v: Numbers, alpha: float) -> Reference:
    m_c, sd_c = _moments(c)
    m_v, sd_v = _moments(v)
    context = _quiet()
    try:
        result = scipy_stats.ttest_ind_from_stats(
            m_v, sd_v, v.visitors, m_c, sd_c, c.visitors, equal_var=False
        )
    finally:
        context.__exit__(None, None, None)
    p = _nan_to_none(result.pvalue)
    if p is None:
        return Reference(m_v - m_c, None, None, None, None)
    se = math.sqrt(sd_v**2 / v.visitors + sd_c**2 / c.visitors)
    df = _welch_df(sd_c, c.visitors, sd_v, v.visitors)
    half = scipy_stats.t.isf(alpha / 2, df) * se
    return Reference(m_v - m_c, p, (m_v - m_c - half, m_v - m_c + half), se, df)


def _gbstats_sequential(estimate, se, n, tuning, alpha):
    """gbstats' sequential_rho, sequential_interval_halfwidth and p-value."""
    rho = np.sqrt((-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning)
    s2 = se**2 * n
    half = np.sqrt(s2) * np.sqrt(
        (2 * (n * np.power(rho, 2) + 1))
        * np.log(np.sqrt(n * np.power(rho, 2) + 1) / alpha)
        / (np.power(n * rho, 2))
    )
    st2 = np.power(estimate, 2) * n / se**2
    tr2p1 = n * np.power(rho, 2) + 1
    evalue = np.exp(np.power(rho, 2) * st2 / (2 * tr2p1)) / np.sqrt(tr2p1)
    return float(min(1 / evalue, 1)), (float(estimate - half), float(estimate + half))


def _reference(case: Case, metric: MetricPlan, c: Numbers, v: Numbers) -> Reference:
    alpha = case.plan.alpha
    if metric.kind == CONVERSION:
        ref = _conversion_reference(c, v, alpha)
    else:
        ref = _mean_reference(c, v, alpha)
    planned = case.plan.planned_visitors_per_variant
    if case.plan.sequential and ref.standard_error and ref.difference is not None:
        p, interval = _gbstats_sequential(
            ref.difference,
            ref.standard_error,
            c.visitors + v.visitors,
            2 * planned,
            alpha,
        )
        ref = Reference(ref.difference, p, interval, ref.standard_error, None)
    return ref


def _widened(ref: Reference, adjusted: float, alpha: float):
    """GrowthBook's adjustedCI: the interval the adjusted p-value implies."""
    interval = ref.interval
    if not adjusted > ref.p_value:
        return interval
    if adjusted > 0.999999:
        return None, None
    if not ref.difference:
        return interval

    def upper(tail):
        if ref.degrees_of_freedom is None:
            return scipy_stats.norm.isf(tail)
        return scipy_stats.t.isf(tail, ref.degrees_of_freedom)

    se = abs(ref.difference) / upper(adjusted / 2)
    half = upper(alpha / 2) * se
    low, high = ref.difference - half, ref.difference + half
    if low < interval[0] and high > interval[1]:
        return low, high
    return interval


def _guardrail_reference(metric: MetricPlan, c: Numbers, v: Numbers, alpha: float):
    """(p non-inferior, p inferior) of the one-sided tests against the margin."""
    if metric.kind == CONVERSION:
        p_c, p_v = c.conversions / c.visitors, v.conversions / v.visitors
        ratio = p_v / p_c
        se = (
            math.sqrt(
                p_v * (1 - p_v) / v.visitors + ratio**2 * p_c * (1 - p_c) / c.visitors
            )
            / p_c
        )
        distribution = scipy_stats.norm()
    else:
        m_c, sd_c = _moments(c)
        m_v, sd_v = _moments(v)
        ratio = m_v / m_c
        se = math.sqrt(sd_v**2 / v.visitors + sd_c**2 / c.visitors * ratio**2) / abs(
            m_c
        )
        distribution = scipy_stats.t(_welch_df(sd_c, c.visitors, sd_v, v.visitors))
    change = ratio - 1
    good = change if metric.direction == UP else -change
    statistic = (good + metric.margin) / se
    return distribution.sf(statistic), distribution.cdf(statistic)


def close(actual, expected) -> bool:
    if expected is None or actual is None:
        return actual is expected
    return actual == pytest.approx(expected, rel=REL, abs=ABS)


# The checks.


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_number_matches_scipy_and_statsmodels(case):
    analysis = analyse(case.plan, case.metrics, case.variants, TODAY)
    assert not analysis.problems
    control = case.variants[0]
    family, references = [], {}
    for metric_analysis in analysis.metrics:
        metric = metric_analysis.metric
        for row, variant in zip(metric_analysis.rows, case.variants, strict=True):
            numbers = variant.numbers[metric.key]
            assert row.visitors == numbers.visitors
            if metric.kind == CONVERSION:
                assert row.mean == numbers.conversions / numbers.visitors
                assert (row.sum, row.sum_squares) == (None, None)
            else:
                assert row.mean == numbers.sum / numbers.visitors
                assert row.conversions is None
            if variant is control:
                assert (row.difference, row.p_value, row.ci_low) == (None,) * 3
                continue
            ref = _reference(case, metric, control.numbers[metric.key], numbers)
            references[metric.key, variant.name] = ref
            assert close(row.difference, ref.difference), (metric.key, variant.name)
            assert close(row.p_value, ref.p_value), (metric.key, variant.name)
            raw = ref.interval or (None, None)
            assert close(row.raw_ci_low, raw[0]), (metric.key, variant.name)
            assert close(row.raw_ci_high, raw[1]), (metric.key, variant.name)
            if metric.role in (PRIMARY, SECONDARY) and ref.p_value is not None:
                family.append((metric.key, variant.name))
            if metric.kind != CONVERSION:
                assert row.probability_to_beat is None

    method = {
        Correction.HOLM: "holm",
        Correction.BENJAMINI_HOCHBERG: "fdr_bh",
    }.get(case.plan.correction)
    raw_p = [references[key].p_value for key in family]
    adjusted = multipletests(raw_p, method=method)[1] if method and family else raw_p
    expected_adjusted = dict(zip(family, adjusted, strict=True))
    rows = {
        (m.metric.key, r.variant): r for m in analysis.metrics for r in m.challengers
    }
    for key, ref in references.items():
        row = rows[key]
        if key in expected_adjusted:
            p_adj = float(expected_adjusted[key])
            assert close(row.adjusted_p_value, p_adj), key
            low, high = _widened(ref, p_adj, case.plan.alpha)
            assert close(row.ci_low, low), key
            assert close(row.ci_high, high), key
        elif ref.p_value is None:
            assert row.adjusted_p_value is None
            assert (row.ci_low, row.ci_high) == (None, None)


@pytest.mark.parametrize(
    "case", [c for c in CASES if any(m.role == GUARDRAIL for m in c.metrics)], ids=str
)
def test_guardrail_verdicts_and_their_one_sided_tests(case):
    analysis = analyse(case.plan, case.metrics, case.variants, TODAY)
    control = case.variants[0]
    seen = {}
    for metric_analysis in analysis.guardrails:
        metric = metric_analysis.metric
        for row in metric_analysis.challengers:
            variant = next(v for v in case.variants if v.name == row.variant)
            result = row.guardrail
            p_non_inferior, p_inferior = _guardrail_reference(
                metric,
                control.numbers[metric.key],
                variant.numbers[metric.key],
                case.plan.alpha,
            )
            assert close(result.p_non_inferior, p_non_inferior)
            assert close(result.p_inferior, p_inferior)
            expected = "not_decided"
            if p_non_inferior < case.plan.alpha:
                expected = "passed"
            elif p_inferior < case.plan.alpha:
                expected = "failed"
            assert result.verdict == expected
            seen[metric.key, row.variant] = result.verdict
    for key, verdict in case.verdicts.items():
        assert seen[key] == verdict, key


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_sample_ratio_check_matches_scipys_chi_square(case):
    analysis = analyse(case.plan, case.metrics, case.variants, TODAY)
    visitors = [v.visitors for v in case.variants]
    weights = [v.planned_weight for v in case.variants]
    expected = [sum(visitors) * w / sum(weights) for w in weights]
    result = scipy_stats.chisquare(visitors, f_exp=expected)
    assert close(analysis.sample_ratio.statistic, float(result.statistic))
    assert close(analysis.sample_ratio.p_value, float(result.pvalue))
    assert analysis.sample_ratio_mismatch is case.sample_ratio_mismatch


@pytest.mark.parametrize("case", CASES, ids=str)
def test_progress_and_the_recommendation(case):
    analysis = analyse(case.plan, case.metrics, case.variants, TODAY)
    progress = analysis.progress
    for name, value in case.progress.items():
        assert getattr(progress, name) == value, name
    if not case.progress:
        assert progress.plan_reached
        assert progress.days_left == 0
    assert analysis.decision.recommendation == case.recommendation
    assert analysis.decision.reasons


def test_the_table_covers_what_the_issue_asks_for():
    assert len(CASES) >= 30
    numbers = [n for case in CASES for v in case.variants for n in v.numbers.values()]
    assert any(n.conversions == 0 for n in numbers)
    assert any(n.visitors == 1 for n in numbers)
    assert any(n.visitors == N for n in numbers)
    assert any(len(c.variants) == 6 for c in CASES)
    assert any(len(c.metrics) >= 4 for c in CASES)
    assert any(c.plan.sequential for c in CASES)
    assert {c.recommendation for c in CASES} == {
        "ship",
        "dont_ship",
        "inconclusive",
        "keep_running",
    }


def test_a_raised_p_value_widens_the_interval_and_a_raw_one_does_not():
    """Without a correction the Wald interval is shown as it is."""
    metrics = [conversion(CART), conversion("checkout", SECONDARY)]
    variants = arms(
        ("Control", {CART: rate(10000, 1000), "checkout": rate(10000, 500)}),
        ("B", {CART: rate(10000, 1100), "checkout": rate(10000, 520)}),
    )
    for correction in Correction:
        analysis = analyse(plan(correction=correction), metrics, variants, TODAY)
        row = analysis.primary.challengers[0]
        raised = row.adjusted_p_value > row.p_value
        assert raised is (correction != Correction.NONE)
        if raised:
            assert row.ci_low < row.raw_ci_low
            assert row.ci_high > row.raw_ci_high
        else:
            assert (row.ci_low, row.ci_high) == (row.raw_ci_low, row.raw_ci_high)
