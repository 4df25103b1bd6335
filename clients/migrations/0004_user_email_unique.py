"""One account per email address, whatever its case, enforced by the database: two sign-ups
racing with the same address cannot both pass the form's check. Blank addresses (accounts
made with `createsuperuser` without one) are left out."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("clients", "0003_late_fees"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE UNIQUE INDEX user_email_unique_ci ON auth_user (LOWER(email)) "
            "WHERE email <> ''",
            reverse_sql="DROP INDEX user_email_unique_ci",
        ),
    ]
