"""Whether the result declared for a test follows its pre-registered rules.

A test is concluded from the recommendation of its latest experiment
(``decisions``, read through ``reports.analysis_of``): *ship* is won,
*don't ship* is lost, *inconclusive* is inconclusive. Declaring another result
goes against the rules and needs a written reason, kept with the learning and
shown in the learnings library beside the recommendation it overrides.

While the recommendation is *keep running* the plan is not reached: calling
the test won or lost then needs a reason, while *inconclusive* — a test
stopped short claims nothing — does not. Without an experiment there is
nothing to go against.
"""

from dataclasses import dataclass

from backlog.experiments.decisions import Recommendation
from backlog.experiments.report_tables import Report
from backlog.models import Experiment, Result

RESULT_FOR = {
    Recommendation.SHIP: Result.WON,
    Recommendation.DONT_SHIP: Result.LOST,
    Recommendation.INCONCLUSIVE: Result.INCONCLUSIVE,
}
RECOMMENDATION_WORDS = {
    Recommendation.SHIP: "ship",
    Recommendation.DONT_SHIP: "don't ship",
    Recommendation.INCONCLUSIVE: "inconclusive",
    Recommendation.KEEP_RUNNING: "keep running",
}


def recommended_result(recommendation: Recommendation | None) -> str | None:
    """The result a recommendation stands for; None for keep running or none."""
    if recommendation is None:
        return None
    result = RESULT_FOR.get(recommendation)
    return result.value if result is not None else None


def overrides(recommendation: Recommendation | None, result: str) -> bool:
    """Whether declaring `result` goes against `recommendation`."""
    if recommendation is None or not result:
        return False
    if recommendation == Recommendation.KEEP_RUNNING:
        return result in (Result.WON, Result.LOST)
    return result != recommended_result(recommendation)


@dataclass(frozen=True)
class ConclusionEvidence:
    """The latest experiment's report a conclusion is checked against."""

    report: Report | None
    experiment: Experiment | None = None

    @property
    def recommendation(self) -> Recommendation | None:
        return self.report.recommendation if self.report is not None else None

    @property
    def suggested_result(self) -> str | None:
        return recommended_result(self.recommendation)

    @property
    def plan_not_reached(self) -> bool:
        return self.recommendation == Recommendation.KEEP_RUNNING

    def doubts(self, result: str) -> list[str]:
        """Why `result` goes against the recommendation; empty when it follows it."""
        recommendation = self.recommendation
        if self.report is None or recommendation is None:
            return []
        if not overrides(recommendation, result):
            return []
        decision = self.report.decision
        reasons = " ".join(decision.reasons) if decision is not None else ""
        words = RECOMMENDATION_WORDS[recommendation]
        if recommendation == Recommendation.KEEP_RUNNING:
            return [
                "The plan is not reached, and the pre-registered rules say keep "
                f"running: {reasons}"
            ]
        return [f"The pre-registered rules recommend {words}: {reasons}"]
