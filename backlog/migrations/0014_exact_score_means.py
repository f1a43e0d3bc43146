"""Recompute every kept score mean exactly, rounded to six decimals.

Means used to be float sums divided by the count, so equal means (43/6 from
different ratings) were kept as 7.166666666666666 and 7.166666666666667 and did
not tie. This recomputes them from the score rows the way backlog.scoring.recording now
does, with the organisation's ICE formula.
"""

from collections import defaultdict

from django.db import migrations

from backlog.scoring.frameworks import (
    PXL_QUESTIONS,
    Framework,
    IceMode,
    ice_score,
    kept_mean,
    pie_score,
    pxl_score,
)

BATCH = 2000


def _value(score, ice_mode, feedback_linked):
    if score.framework == Framework.ICE:
        return ice_score(score.impact, score.confidence, score.ease, ice_mode)
    if score.framework == Framework.PIE:
        return pie_score(score.potential, score.importance, score.ease)
    return pxl_score(
        {key: bool(getattr(score, key)) for key in PXL_QUESTIONS},
        score.pxl_ease,
        feedback_linked=feedback_linked,
    )


def recompute_means(apps, schema_editor):
    Hypothesis = apps.get_model("backlog", "Hypothesis")
    Score = apps.get_model("backlog", "Score")
    BacklogSettings = apps.get_model("backlog", "BacklogSettings")
    ice_modes = dict(
        BacklogSettings.objects.values_list("organisation_id", "ice_mode")
    )
    fields = [f"{framework}_score" for framework in Framework]
    scored = Hypothesis.objects.filter(scores__isnull=False).distinct().order_by("pk")
    ids = list(scored.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = Hypothesis.objects.in_bulk(ids[start : start + BATCH])
        values = defaultdict(list)
        for score in Score.objects.filter(hypothesis_id__in=batch):
            hypothesis = batch[score.hypothesis_id]
            ice_mode = ice_modes.get(hypothesis.organisation_id, IceMode.MEAN)
            values[(score.hypothesis_id, score.framework)].append(
                _value(score, ice_mode, hypothesis.evidence_items > 0)
            )
        for hypothesis in batch.values():
            for framework in Framework:
                scores = values[(hypothesis.pk, framework)]
                if scores:
                    setattr(hypothesis, f"{framework}_score", kept_mean(scores))
        Hypothesis.objects.bulk_update(batch.values(), fields, batch_size=200)


class Migration(migrations.Migration):
    dependencies = [
        ("backlog", "0013_hypothesis_result_reason"),
    ]

    operations = [
        migrations.RunPython(recompute_means, migrations.RunPython.noop),
    ]
