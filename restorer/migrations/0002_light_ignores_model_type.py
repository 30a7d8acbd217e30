"""A light restoration has no model: rows stored before RestoreOptions said so get model 1,
so finding the same restoration again compares equal options field by field."""

from django.db import migrations


def normalise(apps, schema_editor):
    Restoration = apps.get_model("restorer", "Restoration")
    Restoration.objects.filter(restoration_type=0).exclude(model_type=1).update(model_type=1)


class Migration(migrations.Migration):
    dependencies = [("restorer", "0001_initial")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
