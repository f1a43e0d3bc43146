"""One assessment per title and period in an organisation.

Existing duplicates are kept, answers and all: every one after the first
(by opening date) gets its number in the title, “CRO maturity check (2)”, so
the list, the trend and the downloads tell them apart.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

TITLE_LENGTH = 160


def _numbered(title: str, number: int, taken: set[str]) -> str:
    while True:
        suffix = f" ({number})"
        candidate = title[: TITLE_LENGTH - len(suffix)].rstrip() + suffix
        if candidate.lower() not in taken:
            return candidate
        number += 1


def number_duplicates(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    seen: dict[tuple[int, str], set[str]] = {}
    counts: dict[tuple[int, str, str], int] = {}
    assessments = list(
        Assessment.objects.order_by("organisation_id", "opened_at", "pk").only(
            "pk", "organisation_id", "title", "period"
        )
    )
    for assessment in assessments:
        period = assessment.period.lower()
        seen.setdefault((assessment.organisation_id, period), set()).add(
            assessment.title.lower()
        )
    for assessment in assessments:
        period = assessment.period.lower()
        key = (assessment.organisation_id, assessment.title.lower(), period)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] == 1:
            continue
        taken = seen[(assessment.organisation_id, period)]
        assessment.title = _numbered(assessment.title, counts[key], taken)
        taken.add(assessment.title.lower())
        assessment.save(update_fields=["title"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_share_links"),
        ("cromaturity", "0005_organisation_content_stamp"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(number_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.UniqueConstraint(
                models.F("organisation"),
                django.db.models.functions.text.Lower("title"),
                django.db.models.functions.text.Lower("period"),
                name="assessment_unique_title_period",
                violation_error_message=(
                    "This organisation already has an assessment with this title "
                    "for this period. Change the title or the period."
                ),
            ),
        ),
    ]
