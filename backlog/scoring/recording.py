"""Scoring hypotheses, and keeping each hypothesis's score aggregates in step."""

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db import transaction

from backlog.conflicts import Difference, EditConflict, differences, field_rows
from backlog.models import Hypothesis, Score
from backlog.models.scores import FIELDS_BY_FRAMEWORK
from backlog.scoring.frameworks import Framework, IceMode, summarise
from collaboration import events
from cromaturity.bulk_writes import update_objects

_BATCH = 2000


class ScoringError(ValueError):
    """A score the rules refuse; the message is for people."""


def aggregate_fields(framework: Framework) -> list[str]:
    return [f"{framework}_score", f"{framework}_count", f"{framework}_disagreement"]


def _apply(hypothesis: Hypothesis, framework: Framework, values, ice_mode) -> None:
    summary = summarise(values, framework, ice_mode)
    setattr(hypothesis, f"{framework}_score", summary.mean if summary else None)
    setattr(hypothesis, f"{framework}_count", summary.count if summary else 0)
    setattr(
        hypothesis,
        f"{framework}_disagreement",
        summary.disagreement if summary else False,
    )


def refresh_scores(
    hypotheses: Iterable[Hypothesis],
    frameworks: Iterable[Framework] = tuple(Framework),
    *,
    ice_mode: IceMode,
) -> int:
    """Recompute the aggregates of `hypotheses` from their score rows.

    Accepts a queryset or a list; works in batches so that a whole organisation
    can be recomputed when it changes its ICE formula. Returns how many changed.
    """
    frameworks = [Framework(f) for f in frameworks]
    fields = [field for f in frameworks for field in aggregate_fields(f)]
    items = list(hypotheses)
    for start in range(0, len(items), _BATCH):
        batch = {h.pk: h for h in items[start : start + _BATCH]}
        values = defaultdict(list)
        scores = Score.objects.filter(hypothesis_id__in=batch, framework__in=frameworks)
        for score in scores:
            linked = batch[score.hypothesis_id].evidence_items > 0
            values[(score.hypothesis_id, score.framework)].append(
                score.value(ice_mode, feedback_linked=linked)
            )
        for hypothesis in batch.values():
            for framework in frameworks:
                _apply(
                    hypothesis, framework, values[(hypothesis.pk, framework)], ice_mode
                )
        update_objects(list(batch.values()), fields)
    return len(items)


def _score_differences(stored: Score, wanted: Score) -> list[Difference]:
    fields = [*FIELDS_BY_FRAMEWORK[Framework(stored.framework)], "note"]
    return differences(field_rows(stored, wanted, fields))


@transaction.atomic
def score_hypothesis(
    hypothesis: Hypothesis,
    *,
    scorer,
    framework: Framework,
    values: Mapping[str, object],
    note: str = "",
    ice_mode: IceMode = IceMode.MEAN,
    expected_version: int | None = None,
) -> Score:
    """Record `scorer`'s score, replacing their earlier one in that framework.

    The hypothesis row is locked first, so two people scoring at once both end
    up in the mean. Given the `expected_version` of the score its form showed
    (0 for none), it raises EditConflict when the scorer saved another version
    since (in another window); the same values sent twice are saved once.
    """
    framework = Framework(framework)
    expected = set(FIELDS_BY_FRAMEWORK[framework])
    if set(values) != expected:
        raise ScoringError(
            f"A {framework.label} score needs exactly: {', '.join(sorted(expected))}."
        )
    Hypothesis.objects.select_for_update().filter(pk=hypothesis.pk).first()
    blank = {field: None for fields in FIELDS_BY_FRAMEWORK.values() for field in fields}
    # Scoring again makes an imported score the scorer's own.
    wanted = {**blank, **values, "note": note, "imported": False}
    score = (
        Score.objects.select_for_update()
        .filter(hypothesis=hypothesis, scorer=scorer, framework=framework)
        .first()
    )
    if score is None:
        score = Score.objects.create(
            hypothesis=hypothesis, scorer=scorer, framework=framework, **wanted
        )
    else:
        if expected_version is not None and score.version != expected_version:
            found = _score_differences(score, Score(framework=framework, **wanted))
            if found:
                raise EditConflict(score, found)
            return score
        for field, value in wanted.items():
            setattr(score, field, value)
        score.version += 1
        score.save(update_fields=[*wanted, "version", "updated_at"])
    refresh_scores([hypothesis], [framework], ice_mode=ice_mode)
    events.hypothesis_scored(score, by=scorer)
    return score
