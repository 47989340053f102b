"""StaffAlert leaves this app for bot.alerts; its table, web_staffalert, stays as it is.

The content type goes with it, so permissions already granted on staff alerts still
name the model (a fresh database has no content types yet: nothing to move).
"""

from django.db import migrations


def move_content_type(apps, schema_editor, source="web", target="alerts"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    if not content_types.filter(app_label=target, model="staffalert").exists():
        content_types.filter(app_label=source, model="staffalert").update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="alerts", target="web")


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0002_staff_alert"),
        ("alerts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StaffAlert")],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
