"""Migrations: they match the models, and the staff alert outbox kept its rows when it
moved from the web app to bot.alerts."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bot.alerts.models import StaffAlert
from bot.safety import alerts


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    output = io.StringIO()
    call_command("makemigrations", check=True, dry_run=True, stdout=output)
    assert "No changes detected" in output.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_alert_queued_before_the_move_is_read_and_deduplicated_after_it():
    staff_alert_in_web = ("web", "0002_staff_alert")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([staff_alert_in_web, ("alerts", None)])
        assert ContentType.objects.get(model="staffalert").app_label == "web"
        old_model = executor.loader.project_state([staff_alert_in_web]).apps.get_model(
            "web", "StaffAlert"
        )
        raised = timezone.now()
        old_model.objects.create(
            conversation_id="before-the-move",
            level="imminent",
            categories=["suicide"],
            raised_at=raised,
            window_start=alerts.window_start(raised),
        )

        MigrationExecutor(connection).migrate(latest)

        alert = StaffAlert.objects.get()
        assert (alert.conversation_id, alert.level, alert.categories, alert.status) == (
            "before-the-move",
            "imminent",
            ["suicide"],
            StaffAlert.Status.PENDING,
        )
        assert alerts.enqueue("before-the-move", "high", ["suicide"]) is None  # still counts
        # Permissions granted on staff alerts follow the model to its new app.
        assert ContentType.objects.get(model="staffalert").app_label == "alerts"
    finally:
        MigrationExecutor(connection).migrate(latest)
