from django.db import migrations


def load_default_model(apps, schema_editor):
    from assessments.versioning import load_model_data, read_model_file

    load_model_data(read_model_file(), registry=apps)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [
        migrations.RunPython(load_default_model, migrations.RunPython.noop),
    ]
