"""Rejected rows written before they were masked are masked now, like items."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import migrations

from backlog.feedback.importing.disclosure import cell_masker, masked_rejected_rows
from backlog.feedback.privacy import pseudonym_key


def mask_rejected_rows(apps, schema_editor):
    FeedbackImport = apps.get_model("backlog", "FeedbackImport")
    BacklogSettings = apps.get_model("backlog", "BacklogSettings")
    countries = dict(
        BacklogSettings.objects.exclude(country="").values_list(
            "organisation_id", "country"
        )
    )
    for feedback_import in FeedbackImport.objects.exclude(rejected_file="").iterator():
        stored = feedback_import.rejected_file
        if not stored.storage.exists(stored.name):
            continue
        masker = cell_masker(
            feedback_import.header,
            feedback_import.mapping,
            key=pseudonym_key(feedback_import.organisation),
            mask=feedback_import.mask_contacts,
            region=countries.get(feedback_import.organisation_id)
            or settings.PHONE_REGION,
        )
        with stored.open("rb") as handle:
            data = handle.read()
        name = stored.name
        stored.storage.delete(name)
        new_name = stored.storage.save(name, ContentFile(masked_rejected_rows(data, masker)))
        if new_name != name:
            FeedbackImport.objects.filter(pk=feedback_import.pk).update(
                rejected_file=new_name
            )


class Migration(migrations.Migration):
    dependencies = [("backlog", "0011_upload_retention")]

    operations = [
        migrations.RunPython(mask_rejected_rows, migrations.RunPython.noop, elidable=True)
    ]
