"""Whether the result declared for a test stands on its numbers.

A test is called *won* or *lost* on the numbers of its latest experiment. The
call goes against them, and needs a written reason kept with the learning, when

* no challenger differs from the control in the declared direction at the
  organisation's significance level (split between the challengers, Bonferroni,
  as the planner splits it);
* the sample-ratio check finds the traffic split broken (p < 0.001);
* a variant had fewer visitors than the planner asks for on the hypothesis's
  page with the organisation's effect, significance and power.

*Inconclusive* never needs a reason: it claims nothing the numbers must carry,
and it is the honest call for a broken or short test. Without recorded results
there is nothing to go against.
"""

from dataclasses import dataclass

from django.utils.text import get_text_list

from backlog.experiments.readings import bounded_p_value
from backlog.models import Result
from backlog.models.experiments import Experiment, ExperimentAnalysis


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.3f}".rstrip("0").rstrip(".") + " %"


@dataclass(frozen=True)
class ConclusionEvidence:
    """The numbers a conclusion is checked against."""

    analysis: ExperimentAnalysis | None
    experiment: Experiment | None = None
    alpha: float = 0.05
    required_visitors: int | None = None

    @property
    def comparisons(self) -> list:
        if self.analysis is None:
            return []
        return [
            row
            for row in self.analysis.rows
            if row.comparison is not None and row.comparison.p_value is not None
        ]

    @property
    def alpha_percent(self) -> str:
        return _percent(self.alpha)

    @property
    def alpha_each(self) -> float:
        return self.alpha / max(1, len(self.comparisons))

    def significant(self, row) -> bool:
        return row.comparison.p_value < self.alpha_each

    def short_variants(self) -> list[str]:
        if self.analysis is None or not self.required_visitors:
            return []
        return [
            row.variant.name
            for row in self.analysis.rows
            if row.variant.visitors < self.required_visitors
        ]

    def doubts(self, result: str) -> list[str]:
        """Why `result` goes against the numbers; empty when it stands on them."""
        if (
            result not in (Result.WON, Result.LOST)
            or self.analysis is None
            or not self.comparisons
        ):
            return []
        won = result == Result.WON
        found = []
        direction = 1 if won else -1
        in_direction = [
            row for row in self.comparisons if direction * row.comparison.difference > 0
        ]
        if not any(self.significant(row) for row in in_direction):
            level = f"the organisation's {_percent(self.alpha)} level"
            if len(self.comparisons) > 1:
                level += (
                    f" (p below {self.alpha_each:.4g} with "
                    f"{len(self.comparisons)} challengers)"
                )
            verb = "beats" if won else "falls behind"
            if in_direction:
                closest = min(in_direction, key=lambda row: row.comparison.p_value)
                found.append(
                    f"No variant {verb} the control significantly at {level}; "
                    f"the closest, {closest.variant.name}, has p "
                    f"{bounded_p_value(closest.comparison.p_value)}."
                )
            else:
                place = "ahead of" if won else "behind"
                found.append(f"No variant is {place} the control at all.")
        sample_ratio = self.analysis.sample_ratio
        if sample_ratio is not None and sample_ratio.mismatch:
            found.append(
                "The visitors are not split as planned (sample-ratio check p "
                f"{bounded_p_value(sample_ratio.p_value)}): the test set-up is "
                "broken."
            )
        short = self.short_variants()
        if short:
            found.append(
                f"{get_text_list(short, 'and')} had fewer visitors than the "
                f"{self.required_visitors:,} per variant the planner asks for."
            )
        return found
