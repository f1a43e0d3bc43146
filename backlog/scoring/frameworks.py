"""How hypotheses are scored and ranked: ICE, PIE and PXL, across many scorers.

Every function here works on plain values, so the rules can be read, tested and
shown on the hypothesis page without a database.

* ICE: Impact, Confidence and Ease, each 1–10. The score is their mean, or their
  product when the organisation prefers it (1–1000).
* PIE: Potential, Importance and Ease, each 1–10. The score is their mean.
* PXL: binary questions with weights, plus an ease score of 3/2/1/0.
* Across scorers: the mean of each scorer's framework score, with the spread
  (lowest, highest, population standard deviation). Scorers *disagree* when their
  scores span at least :data:`DISAGREEMENT_SHARE` of the framework's scale.

One scorer's score is an exact fraction (a mean of three ratings is a number of
thirds); the mean across scorers is taken exactly and rounded once, to
:data:`SCORE_DECIMALS`, when it is kept.
"""

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import models


class Framework(models.TextChoices):
    ICE = "ice", "ICE"
    PIE = "pie", "PIE"
    PXL = "pxl", "PXL"


class IceMode(models.TextChoices):
    MEAN = "mean", "Mean of Impact, Confidence and Ease (1–10)"
    PRODUCT = "product", "Product of Impact, Confidence and Ease (1–1000)"


RATING_MIN = 1
RATING_MAX = 10

# The PXL questions, their weights and how they are asked, in the order shown.
PXL_QUESTIONS: dict[str, tuple[int, str]] = {
    "above_the_fold": (1, "Is the change above the fold?"),
    "noticeable_in_5_seconds": (2, "Is it noticeable within 5 seconds?"),
    "adds_or_removes_element": (2, "Does it add or remove an element?"),
    "increases_motivation": (1, "Does it increase user motivation?"),
    "high_traffic_page": (1, "Does it run on a high-traffic page?"),
    "found_in_user_testing": (1, "Was the problem found in user testing?"),
    "found_in_qualitative_feedback": (
        1,
        "Was it found in qualitative feedback (surveys, polls, customer service)?",
    ),
    "found_in_analytics": (1, "Was it found in digital analytics?"),
    "backed_by_heatmaps": (1, "Is it backed by heatmaps or session recordings?"),
}
FEEDBACK_QUESTION = "found_in_qualitative_feedback"
PXL_WEIGHTS: dict[str, int] = {
    key: weight for key, (weight, _) in PXL_QUESTIONS.items()
}
PXL_EASE_CHOICES: list[tuple[int, str]] = [
    (3, "Under 4 hours"),
    (2, "Up to 8 hours"),
    (1, "Under 2 days"),
    (0, "2 days or more"),
]
PXL_EASE_MAX = 3
PXL_MAX = sum(PXL_WEIGHTS.values()) + PXL_EASE_MAX

# Scorers disagree when their framework scores span at least this share of the
# framework's scale: 2.7 points on a 1–10 scale, 299.7 on ICE's 1–1000 product
# scale, 4.2 points of PXL's 0–14. A share keeps the rule the same for every scale.
DISAGREEMENT_SHARE = 0.3

# A mean is kept rounded to six decimals from its exact value, so that equal means
# are one and the same number (43/6 is 7.166667 whether it came from 7 and 7 1/3
# or from 6 2/3 and 7 2/3) and tie in the database, on SQLite and PostgreSQL
# alike, instead of differing in the last binary digit of a float.
SCORE_DECIMALS = 6
# Exports and the API give scores to two decimals, rounded half up as a
# spreadsheet rounds: enough to rank by, without the noise of a float.
EXPORTED_DECIMALS = 2


def _check_rating(name: str, value: int) -> None:
    if not RATING_MIN <= value <= RATING_MAX:
        raise ValueError(f"{name} must be between {RATING_MIN} and {RATING_MAX}.")


def ice_score(
    impact: int, confidence: int, ease: int, mode: IceMode = IceMode.MEAN
) -> Fraction:
    """One scorer's ICE score: the mean of the three ratings, or their product."""
    for name, value in (("Impact", impact), ("Confidence", confidence), ("Ease", ease)):
        _check_rating(name, value)
    if IceMode(mode) == IceMode.PRODUCT:
        return Fraction(impact * confidence * ease)
    return Fraction(impact + confidence + ease, 3)


def pie_score(potential: int, importance: int, ease: int) -> Fraction:
    """One scorer's PIE score: the mean of the three ratings."""
    for name, value in (
        ("Potential", potential),
        ("Importance", importance),
        ("Ease", ease),
    ):
        _check_rating(name, value)
    return Fraction(potential + importance + ease, 3)


def pxl_score(
    answers: Mapping[str, bool], ease: int, *, feedback_linked: bool = False
) -> Fraction:
    """One scorer's PXL score: the weights of the questions answered yes, plus ease.

    With customer feedback linked to the hypothesis, "found in qualitative
    feedback" counts as yes whatever the scorer ticked.
    """
    unknown = set(answers) - set(PXL_WEIGHTS)
    if unknown:
        raise ValueError(f"Unknown PXL questions: {', '.join(sorted(unknown))}.")
    if not 0 <= ease <= PXL_EASE_MAX:
        raise ValueError(f"PXL ease must be between 0 and {PXL_EASE_MAX}.")
    if feedback_linked:
        answers = {**answers, FEEDBACK_QUESTION: True}
    return Fraction(sum(PXL_WEIGHTS[key] for key, yes in answers.items() if yes) + ease)


def scale(framework: Framework, ice_mode: IceMode = IceMode.MEAN) -> tuple[int, int]:
    """The lowest and highest score one scorer can give in a framework."""
    framework = Framework(framework)
    if framework == Framework.PXL:
        return 0, PXL_MAX
    if framework == Framework.ICE and IceMode(ice_mode) == IceMode.PRODUCT:
        return RATING_MIN**3, RATING_MAX**3
    return RATING_MIN, RATING_MAX


def disagreement_threshold(
    framework: Framework, ice_mode: IceMode = IceMode.MEAN
) -> float:
    """How far apart the lowest and highest scorer must be to call it disagreement."""
    low, high = scale(framework, ice_mode)
    return round((high - low) * DISAGREEMENT_SHARE, 6)


@dataclass(frozen=True)
class ScoreSummary:
    """What many scorers said about one hypothesis in one framework."""

    count: int
    mean: float
    minimum: float
    maximum: float
    std: float
    disagreement: bool

    @property
    def range(self) -> float:
        return self.maximum - self.minimum


def kept_mean(scores: Sequence[Fraction | float]) -> float:
    """The exact mean of the scores, rounded to SCORE_DECIMALS as it is kept."""
    exact = sum((Fraction(score) for score in scores), Fraction(0)) / len(scores)
    return float(round(exact, SCORE_DECIMALS))


def exported_score(value: float | None) -> float | None:
    """A kept score to EXPORTED_DECIMALS, for exports and the API."""
    if value is None:
        return None
    step = Decimal(1).scaleb(-EXPORTED_DECIMALS)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def summarise(
    scores: Sequence[Fraction | float],
    framework: Framework,
    ice_mode: IceMode = IceMode.MEAN,
) -> ScoreSummary | None:
    """Mean, spread and disagreement of the scorers' scores; None without scores."""
    if not scores:
        return None
    values = [float(score) for score in scores]
    low, high = min(values), max(values)
    return ScoreSummary(
        count=len(values),
        mean=kept_mean(scores),
        minimum=low,
        maximum=high,
        std=statistics.pstdev(values),
        # One scorer cannot disagree with anybody.
        disagreement=len(values) > 1
        and high - low >= disagreement_threshold(framework, ice_mode) - 1e-9,
    )


def rank_key(
    primary_score: float | None,
    created_at: datetime,
    hypothesis_id: int,
    evidence_strength: int = 0,
    evidence_items: int = 0,
) -> tuple[int, float, int, int, datetime, int]:
    """Sort key of the ranked list: best primary score first, unscored last.

    Ties go to the stronger evidence from customer feedback, then to more linked
    items, then to the older hypothesis, then the lower id so the order is total.
    """
    return (
        1 if primary_score is None else 0,
        0.0 if primary_score is None else -primary_score,
        -evidence_strength,
        -evidence_items,
        created_at,
        hypothesis_id,
    )


@dataclass(frozen=True)
class EvidenceSummary:
    """What the feedback linked to one hypothesis adds up to."""

    items: int
    customers: int
    channels: int
    latest: datetime | None


# A suggested Confidence (ICE) or Potential (PIE) from linked feedback. Distinct
# customers matter most: one loud customer is an anecdote, many are a pattern.
SUGGESTION_BASE = 3
SUGGESTION_CUSTOMER_STEPS_MAX = 4
SUGGESTION_CHANNEL_BONUS_MAX = 2
STALE_AFTER_DAYS = 180


@dataclass(frozen=True)
class Suggestion:
    value: int
    explanation: str


def suggested_confidence(summary: EvidenceSummary, now: datetime) -> Suggestion | None:
    """A Confidence/Potential between 1 and 10 from evidence, or None without any.

    3 for having evidence at all; +1 per doubling of distinct customers (2, 4, 8,
    16: at most +4); +1 per channel beyond the first (at most +2); −1 when the
    newest item is older than 180 days.
    """
    if summary.items == 0:
        return None
    customer_steps = min(
        SUGGESTION_CUSTOMER_STEPS_MAX, int(math.log2(max(1, summary.customers)))
    )
    channel_bonus = min(SUGGESTION_CHANNEL_BONUS_MAX, max(0, summary.channels - 1))
    stale = bool(summary.latest and (now - summary.latest).days > STALE_AFTER_DAYS)
    value = max(1, min(10, SUGGESTION_BASE + customer_steps + channel_bonus - stale))
    parts = [f"{SUGGESTION_BASE} for linked feedback"]
    if customer_steps:
        parts.append(f"+{customer_steps} for {summary.customers} distinct customers")
    if channel_bonus:
        parts.append(f"+{channel_bonus} for {summary.channels} channels")
    if stale:
        parts.append(f"−1 as the newest is over {STALE_AFTER_DAYS} days old")
    return Suggestion(value=value, explanation=" ".join(parts) + f" = {value}")
