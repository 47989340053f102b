"""Referrals' personal details encrypted at rest: the columns become text, existing rows encrypted."""

from django.db import migrations

import bot.referral.fields
from bot.encryption import decrypt, encrypt

PERSONAL_FIELDS = ("first_name", "contact", "concern", "location", "preferred_times")


def _rewrite(apps, schema_editor, change):
    """Apply ``change`` to every stored value in raw SQL: the field itself would try to decrypt."""
    referral = apps.get_model("referral", "Referral")
    quote = schema_editor.quote_name
    table = quote(referral._meta.db_table)
    columns = ", ".join(quote(name) for name in PERSONAL_FIELDS)
    assignments = ", ".join(f"{quote(name)} = %s" for name in PERSONAL_FIELDS)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {columns} FROM {table}")  # noqa: S608 - names from the model
        for pk, *values in cursor.fetchall():
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                [*(None if value is None else change(value) for value in values), pk],
            )


def encrypt_existing(apps, schema_editor):
    _rewrite(apps, schema_editor, encrypt)


def decrypt_existing(apps, schema_editor):
    _rewrite(apps, schema_editor, decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("referral", "0002_follow_up"),
    ]

    operations = [
        migrations.AlterField(
            model_name="referral",
            name="concern",
            field=bot.referral.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="referral",
            name="contact",
            field=bot.referral.fields.EncryptedTextField(max_length=320),
        ),
        migrations.AlterField(
            model_name="referral",
            name="first_name",
            field=bot.referral.fields.EncryptedTextField(blank=True, max_length=100),
        ),
        migrations.AlterField(
            model_name="referral",
            name="location",
            field=bot.referral.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="referral",
            name="preferred_times",
            field=bot.referral.fields.EncryptedTextField(blank=True, max_length=500),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
