"""StaffAlert joins this app with the table the web app made for it, rows and all."""

import uuid

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("web", "0002_staff_alert"),  # created the table
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StaffAlert",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("conversation_id", models.CharField(max_length=255)),
                        (
                            "level",
                            models.CharField(
                                choices=[("high", "high"), ("imminent", "imminent")], max_length=16
                            ),
                        ),
                        ("categories", models.JSONField(default=list)),
                        ("raised_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("window_start", models.DateTimeField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "waiting to be posted"),
                                    ("delivered", "posted to the staff alert webhook"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        (
                            "next_attempt_at",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        ("lease_until", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.TextField(blank=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "web_staffalert",
                        "ordering": ["-raised_at"],
                        "indexes": [
                            models.Index(
                                fields=["status", "next_attempt_at"], name="staff_alert_due"
                            ),
                            models.Index(
                                fields=["conversation_id", "raised_at"], name="staff_alert_recent"
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("conversation_id", "level", "window_start"),
                                name="staff_alert_once_per_window",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
