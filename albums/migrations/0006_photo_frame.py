from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("albums", "0005_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="frame",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
