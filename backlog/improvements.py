"""From weakness to work: improvement items for the points of a maturity assessment."""

from collections import defaultdict

from assessments.models import Assessment
from assessments.scorecards import build_scorecard
from assessments.scoring import level_name, level_of
from backlog.models import Hypothesis, Kind

TITLE_MAX = 200


def initial_for_point(organisation, assessment_id, point_key: str) -> dict | None:
    """The new improvement item's fields for one point of one assessment.

    None when the assessment is not the organisation's or has no such point.
    """
    try:
        assessment = Assessment.objects.for_org(organisation).get(pk=int(assessment_id))
    except (Assessment.DoesNotExist, TypeError, ValueError):
        return None
    scorecard = build_scorecard(assessment)
    row = next((r for r in scorecard.points if r.point.key == point_key), None)
    if row is None:
        return None
    point = row.point
    score = row.result.score
    level = level_of(score)
    if score is None or level is None:
        observation = (
            f"{assessment} has no level answers yet for {point.key} “{point.title}”."
        )
        title = f"{point.key} {point.title}: find out where we stand"
    else:
        observation = (
            f"{assessment} scored {point.key} “{point.title}” at "
            f"{float(score):.2f} ({level_name(score)})"
        )
        if row.descriptor:
            observation += f": {row.descriptor.description}"
        observation += "."
        title = (
            f"{point.key} {point.title}: reach level {level + 1}"
            if level < 5
            else f"{point.key} {point.title}: stay at level 5"
        )
    return {
        "kind": Kind.IMPROVEMENT,
        "title": title[:TITLE_MAX],
        "observation": observation,
        "change": row.descriptor.next_step if row.descriptor and score else "",
        "point_key": point.key,
        "source_assessment": assessment.pk,
    }


def items_by_point(organisation) -> dict[str, list[Hypothesis]]:
    """The organisation's improvement work per point key, newest first."""
    items = defaultdict(list)
    queryset = (
        Hypothesis.objects.for_org(organisation)
        .exclude(point_key="")
        .select_related("organisation")
        .only("pk", "title", "status", "result", "kind", "point_key", "organisation")
        .order_by("-created_at")
    )
    for item in queryset:
        items[item.point_key].append(item)
    return dict(items)
