"""The recommendation from an experiment's pre-registered rules.

For each challenger against the control, in this order:

* *don't ship* when the primary metric is significant in the bad direction
  after correction, or a guardrail failed — at any look, since harm needs no
  full sample to be seen;
* *keep running* while the planned sample or the minimum runtime is not
  reached;
* *ship* when the primary metric is significant in the good direction after
  correction and the traffic split shows no sample-ratio mismatch;
* otherwise *inconclusive*: the plan is reached and nothing is significant, or
  a sample-ratio mismatch makes a win untrustworthy.

The experiment ships the best shipping challenger (smallest adjusted p-value);
without one it keeps running while any challenger does; then it is *don't
ship* if any challenger did harm, else inconclusive. Each recommendation comes
with its reasons in words, for the page, the API and the learnings library.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from backlog.experiments.guardrails import Direction, Verdict

ALPHA = 0.05


class Recommendation(enum.StrEnum):
    SHIP = "ship"
    DONT_SHIP = "dont_ship"
    INCONCLUSIVE = "inconclusive"
    KEEP_RUNNING = "keep_running"


@dataclass(frozen=True)
class ChallengerEvidence:
    """What the rules need to know about one challenger."""

    name: str
    primary_adjusted_p: float | None
    primary_difference: float | None  # variant − control on the primary metric
    guardrails: dict[str, Verdict] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    visitors: int  # per variant, the smallest arm
    planned_visitors: int
    days_running: int
    minimum_days: int

    @property
    def plan_reached(self) -> bool:
        return (
            self.visitors >= self.planned_visitors
            and self.days_running >= self.minimum_days
        )


@dataclass(frozen=True)
class Decision:
    recommendation: Recommendation
    reasons: tuple[str, ...]
    challenger: str | None = None  # the one to ship, or the one that decided


def _good_direction(difference: float, direction: Direction) -> bool:
    return difference > 0 if direction == Direction.UP_IS_GOOD else difference < 0


def decide_challenger(
    evidence: ChallengerEvidence,
    direction: Direction,
    progress: Progress,
    sample_ratio_mismatch: bool,
    alpha: float = ALPHA,
) -> Decision:
    """The recommendation for one challenger against the control."""
    name = evidence.name
    significant = (
        evidence.primary_adjusted_p is not None
        and evidence.primary_adjusted_p < alpha
        and bool(evidence.primary_difference)
    )
    good = significant and _good_direction(evidence.primary_difference or 0, direction)
    failed = sorted(k for k, v in evidence.guardrails.items() if v == Verdict.FAILED)
    harm = []
    if significant and not good:
        harm.append(f"{name}: the primary metric is significantly worse.")
    harm += [f"{name}: the guardrail {key} failed." for key in failed]
    if harm:
        return Decision(Recommendation.DONT_SHIP, tuple(harm), name)
    if not progress.plan_reached:
        missing = []
        if progress.visitors < progress.planned_visitors:
            missing.append(
                f"{progress.visitors:,} of {progress.planned_visitors:,} planned "
                "visitors per variant so far."
            )
        if progress.days_running < progress.minimum_days:
            missing.append(
                f"{progress.days_running:,} of at least {progress.minimum_days:,} days "
                "run so far."
            )
        return Decision(Recommendation.KEEP_RUNNING, tuple(missing), name)
    if good and sample_ratio_mismatch:
        return Decision(
            Recommendation.INCONCLUSIVE,
            (
                f"{name}: the primary metric is significantly better, but the "
                "visitors do not match the planned split (sample-ratio mismatch), "
                "so the result cannot be trusted.",
            ),
            name,
        )
    if good:
        reasons = [
            f"{name}: the primary metric is significantly better after correction.",
            "No guardrail failed and the traffic split matches the plan.",
        ]
        undecided = sorted(
            k for k, v in evidence.guardrails.items() if v == Verdict.NOT_DECIDED
        )
        if undecided:
            reasons.append(
                "Not yet shown within their margin: " + ", ".join(undecided) + "."
            )
        return Decision(Recommendation.SHIP, tuple(reasons), name)
    return Decision(
        Recommendation.INCONCLUSIVE,
        (f"{name}: the plan is reached and the primary metric is not significant.",),
        name,
    )


def decide(
    challengers: Sequence[ChallengerEvidence],
    direction: Direction,
    progress: Progress,
    sample_ratio_mismatch: bool = False,
    alpha: float = ALPHA,
) -> Decision:
    """The experiment's recommendation from every challenger's."""
    if not challengers:
        raise ValueError("An experiment needs at least one challenger.")
    decisions = [
        (decide_challenger(c, direction, progress, sample_ratio_mismatch, alpha), c)
        for c in challengers
    ]
    shipping = [(d, c) for d, c in decisions if d.recommendation == Recommendation.SHIP]
    if shipping:
        best, _ = min(shipping, key=lambda pair: pair[1].primary_adjusted_p or 0.0)
        return best
    by_kind = {
        kind: [d for d, _ in decisions if d.recommendation == kind]
        for kind in Recommendation
    }
    harm = tuple(r for d in by_kind[Recommendation.DONT_SHIP] for r in d.reasons)
    if by_kind[Recommendation.KEEP_RUNNING]:
        # The progress is the same for every challenger: say it once.
        progress_reasons = by_kind[Recommendation.KEEP_RUNNING][0].reasons
        return Decision(Recommendation.KEEP_RUNNING, progress_reasons + harm)
    if harm:
        harmful = by_kind[Recommendation.DONT_SHIP]
        only = harmful[0].challenger if len(harmful) == 1 else None
        return Decision(Recommendation.DONT_SHIP, harm, only)
    flat = by_kind[Recommendation.INCONCLUSIVE]
    return Decision(
        Recommendation.INCONCLUSIVE,
        tuple(r for d in flat for r in d.reasons),
        flat[0].challenger if len(flat) == 1 else None,
    )
