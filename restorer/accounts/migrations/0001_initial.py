import django.utils.timezone
from django.db import migrations, models

# One account per e-mail address, whatever its case; accounts without one are exempt.
UNIQUE_EMAIL = (
    "CREATE UNIQUE INDEX accounts_user_email_unique ON auth_user (LOWER(email)) "
    "WHERE email <> ''"
)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingSignup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("username", models.CharField(max_length=150)),
                ("email", models.EmailField(max_length=254)),
                ("password", models.CharField(max_length=128)),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunSQL(UNIQUE_EMAIL, "DROP INDEX accounts_user_email_unique"),
    ]
