"""Demo backlog for `manage.py seed_demo`: ~40 scored hypotheses per --scale step."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus
from backlog.configuration import settings_for
from backlog.demo.content import (
    HYPOTHESES,
    IMPROVEMENT_POINTS,
    LEANING,
    METRICS,
    PAGES,
    SCORERS,
    TAGS,
    TESTS,
)
from backlog.demo.feedback import seed_feedback
from backlog.demo.funnels import seed_funnels
from backlog.experiments.registration import (
    PlannedVariant,
    PlanSettings,
    RegisteredMetric,
    ResultInput,
    record_results,
    register_experiment,
)
from backlog.models import (
    ChangeKind,
    Experiment,
    ExperimentChange,
    Hypothesis,
    Metric,
    Page,
    Score,
    Status,
    Tag,
)
from backlog.scoring.frameworks import (
    PXL_QUESTIONS,
    Framework,
    summarise,
)

BATCH = 1000


def _rating(value: int) -> int:
    return max(1, min(10, value))


def _pages(organisation) -> dict:
    pages = {}
    for key, (name, url, position, visitors, baseline) in PAGES.items():
        page, _ = Page.objects.get_or_create(
            organisation=organisation,
            name=name,
            defaults={
                "url": url,
                "position": position,
                "daily_visitors": visitors,
                "baseline_conversion_rate": Decimal(baseline),
            },
        )
        pages[key] = page
    return pages


def _tags(organisation) -> dict:
    return {
        name: Tag.objects.get_or_create(organisation=organisation, name=name)[0]
        for name in TAGS
    }


def _metrics(organisation) -> dict[str, Metric]:
    metrics = {}
    for key, name, kind, goal, direction, value, role, margin, text in METRICS:
        metrics[key], _ = Metric.objects.get_or_create(
            organisation=organisation,
            key=key,
            defaults={
                "name": name,
                "kind": kind,
                "goal_level": goal,
                "direction": direction,
                "value": Decimal(value) if value else None,
                "default_role": role,
                "default_margin": Decimal(margin) if margin else None,
                "description": text,
            },
        )
    return metrics


def _run_test(hypothesis: Hypothesis, test: dict, metrics: dict, today) -> None:
    """Register the test's plan before its start, then record its results."""
    if "running_for_days" in test:
        started_on = today - timedelta(days=test["running_for_days"])
        ended_on = None
    else:
        started_on = (hypothesis.status_changed_at - timedelta(days=24)).date()
        ended_on = (hypothesis.status_changed_at - timedelta(days=3)).date()
    experiment = register_experiment(
        hypothesis,
        name=test["name"],
        variants=[
            PlannedVariant(name, is_control=position == 0, planned_weight=weight)
            for position, (name, weight) in enumerate(test["variants"])
        ],
        metrics=[
            RegisteredMetric(
                metrics[key], role, Decimal(margin) if margin is not None else None
            )
            for key, role, margin in test["metrics"]
        ],
        settings=PlanSettings(maximum_weeks=8, **test["plan"]),
        by=hypothesis.owner,
    )
    inputs = []
    for variant, numbers in test["results"].items():
        for key, values in numbers.items():
            if len(values) == 2:
                inputs.append(
                    ResultInput(variant, key, values[0], conversions=values[1])
                )
            else:
                visitors, total, squares = values
                inputs.append(
                    ResultInput(variant, key, visitors, sum=total, sum_squares=squares)
                )
    record_results(experiment, inputs, by=hypothesis.owner, source="the testing tool")
    Experiment.objects.filter(pk=experiment.pk).update(
        started_on=started_on, ended_on=ended_on
    )
    # The plan was registered two days before the start, the results came in at
    # its end (or today, while it runs).
    registered = timezone.make_aware(
        datetime.combine(started_on - timedelta(days=2), time(10))
    )
    Experiment.objects.filter(pk=experiment.pk).update(registered_at=registered)
    ExperimentChange.objects.filter(
        experiment=experiment, kind=ChangeKind.REGISTERED
    ).update(changed_at=registered)
    if ended_on is not None:
        ExperimentChange.objects.filter(
            experiment=experiment, kind=ChangeKind.RESULTS
        ).update(changed_at=timezone.make_aware(datetime.combine(ended_on, time(9))))


def _scores(rng: random.Random, status: str, people: dict) -> list[Score]:
    """Scores by several demo members, sometimes with one far-off scorer."""
    if status == Status.IDEA and rng.random() < 0.5:
        return []
    base = {name: rng.randint(3, 8) for name in ("i", "c", "e", "p", "m")}
    scorers = [name for name in SCORERS if name in people]
    outlier = rng.choice(scorers) if rng.random() < 0.2 else None
    scores = []
    for framework, how_many in (
        (Framework.ICE, rng.randint(2, 4)),
        (Framework.PIE, rng.randint(1, 3)),
        (Framework.PXL, rng.randint(1, 2)),
    ):
        for name in rng.sample(scorers, how_many):
            lean = LEANING[name] + (rng.choice([-4, 4]) if name == outlier else 0)

            def rate(key, lean=lean):
                return _rating(base[key] + lean + rng.choice([-1, 0, 0, 1]))

            score = Score(scorer=people[name].user, framework=framework)
            if framework == Framework.ICE:
                score.impact, score.confidence = rate("i"), rate("c")
                score.ease = rate("e")
            elif framework == Framework.PIE:
                score.potential, score.importance = rate("p"), rate("m")
                score.ease = rate("e")
            else:
                for key in PXL_QUESTIONS:
                    setattr(score, key, rng.random() < 0.5)
                score.pxl_ease = rng.randint(0, 3)
            scores.append(score)
    return scores


def _aggregate(hypothesis: Hypothesis, scores: list[Score], ice_mode) -> None:
    for framework in Framework:
        values = [s.value(ice_mode) for s in scores if s.framework == framework]
        summary = summarise(values, framework, ice_mode)
        setattr(hypothesis, f"{framework}_score", summary.mean if summary else None)
        setattr(hypothesis, f"{framework}_count", summary.count if summary else 0)
        setattr(
            hypothesis,
            f"{framework}_disagreement",
            summary.disagreement if summary else False,
        )


@transaction.atomic
def seed(workspace, scale: int = 1) -> str | None:
    """Add the demo backlog; a second run adds nothing."""
    organisation = workspace.organisation
    people = workspace.people
    ice_mode = settings_for(organisation).ice_mode
    pages = _pages(organisation)
    tags = _tags(organisation)
    existing = set(
        Hypothesis.objects.for_org(organisation).values_list("title", flat=True)
    )
    now = timezone.now()
    # Improvement items come from the latest closed demo assessment's weak points.
    source_assessment = (
        Assessment.objects.for_org(organisation)
        .filter(status=AssessmentStatus.CLOSED)
        .order_by("-closed_at", "-pk")
        .first()
    )
    # (hypothesis, scores, tag names, its test from TESTS or None)
    planned: list[tuple[Hypothesis, list[Score], list[str], dict | None]] = []
    for copy in range(1, scale + 1):
        for index, spec in enumerate(HYPOTHESES):
            (title, observation, change, audience, impact, metric, page_key) = spec[:7]
            tag_names, kind, status, owner, result, learning = spec[7:]
            if copy > 1:
                title = f"{title} ({copy})"
            if title in existing:
                continue
            # Seeded so that every demo looks the same; not for secrets.
            rng = random.Random(f"{copy}-{index}")  # noqa: S311
            membership = people.get(owner) or people["demo"]
            created_at = now - timedelta(days=rng.randint(30, 330), hours=index)
            changed_at = created_at + timedelta(days=rng.randint(1, 25))
            hypothesis = Hypothesis(
                organisation=organisation,
                title=title,
                observation=observation,
                change=change,
                audience=audience,
                impact=impact,
                metric=metric,
                page=pages.get(page_key),
                owner=membership.user,
                team=membership.team,
                kind=kind,
                status=status,
                result=result,
                learning=learning,
                created_by=membership.user,
                created_at=created_at,
                status_changed_at=changed_at,
                status_changed_by=people["carla"].user
                if "carla" in people
                else membership.user,
                concluded_at=changed_at if status == Status.CONCLUDED else None,
                point_key=IMPROVEMENT_POINTS.get(spec[0], ""),
                source_assessment=source_assessment
                if spec[0] in IMPROVEMENT_POINTS
                else None,
            )
            scores = _scores(rng, status, people)
            _aggregate(hypothesis, scores, ice_mode)
            planned.append((hypothesis, scores, tag_names, TESTS.get(spec[0])))
    if not planned:
        return (
            "Backlog: the demo hypotheses exist; kept them.\n"
            + seed_funnels(organisation, timezone.localdate())
            + "\n"
            + seed_feedback(workspace, scale)
        )

    Hypothesis.objects.bulk_create([p[0] for p in planned], batch_size=BATCH)
    through = Hypothesis.tags.through
    through.objects.bulk_create(
        [
            through(hypothesis_id=h.pk, tag_id=tags[name].pk)
            for h, _, names, _ in planned
            for name in names
        ],
        batch_size=BATCH,
    )
    all_scores = []
    for hypothesis, scores, _, _ in planned:
        # Scores come in over the first tenth of a hypothesis's life, before any
        # of the moves its timeline shows (a hypothesis needs a score to be ready).
        life = hypothesis.status_changed_at - hypothesis.created_at
        for n, score in enumerate(scores, start=1):
            score.hypothesis = hypothesis
            score.created_at = hypothesis.created_at + life * n / (
                10 * (len(scores) + 1)
            )
            all_scores.append(score)
    Score.objects.bulk_create(all_scores, batch_size=BATCH)

    metrics = _metrics(organisation)
    tests = [
        (h, spec)
        for h, _, _, spec in planned
        if spec and h.status in (Status.CONCLUDED, Status.ANALYSING)
    ]
    today = timezone.localdate()
    for hypothesis, test in tests:
        _run_test(hypothesis, test, metrics, today)
    concluded = sum(1 for p in planned if p[0].status == Status.CONCLUDED)
    return (
        f"Backlog: added {len(planned)} hypotheses with {len(all_scores)} scores, "
        f"{concluded} concluded with learnings and {len(tests)} experiments "
        f"measured on {len(metrics)} metrics.\n"
        + seed_funnels(organisation, today)
        + "\n"
        + seed_feedback(workspace, scale)
    )
