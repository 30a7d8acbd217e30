from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("restorer", "0005_restoration_colorized"),
    ]

    operations = [
        migrations.AddField(
            model_name="restoration",
            name="source_frame",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="restoration",
            name="repair_mask",
            field=models.FileField(blank=True, max_length=255, upload_to=""),
        ),
    ]
