"""
Macros, bulk answers and answer-due alerts; and the "Support leads" role, to whom
overdue questions escalate (agents' permissions, and the macros to manage).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


# Agents use macros and send bulk answers; leads do what agents do and manage the macros.
AGENT_GRANTS = [
    ("support", "macro", ["view"]),
    ("support", "bulkanswer", ["view", "add", "change"]),
]
LEADS = "Support leads"
LEAD_GRANTS = [
    ("support", "macro", ["view", "add", "change", "delete"]),
]


def create_leads(apps, schema_editor):
    # Permissions are normally created after all migrations; these need them now.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def grant(group, grants):
        for app_label, model, actions in grants:
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label=app_label, codename=f"{action}_{model}"
                    )
                )

    agents = Group.objects.filter(name="Support agents").first()
    if agents is not None:
        grant(agents, AGENT_GRANTS)
    leads, _ = Group.objects.get_or_create(name=LEADS)
    if agents is not None:
        leads.permissions.add(*agents.permissions.all())
    grant(leads, LEAD_GRANTS)


def remove_leads(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=LEADS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0004_canned_reply_languages"),
        ("support", "0002_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BulkAnswer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "body",
                    models.TextField(
                        help_text="Placeholders: {name}, {reference}, {incident}, {site_url}.",
                        verbose_name="reply",
                    ),
                ),
                (
                    "body_en",
                    models.TextField(
                        help_text="Placeholders: {name}, {reference}, {incident}, {site_url}.",
                        null=True,
                        verbose_name="reply",
                    ),
                ),
                (
                    "body_es",
                    models.TextField(
                        help_text="Placeholders: {name}, {reference}, {incident}, {site_url}.",
                        null=True,
                        verbose_name="reply",
                    ),
                ),
                (
                    "set_status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("open", "Open"),
                            ("waiting", "Waiting on customer"),
                            ("resolved", "Resolved"),
                            ("closed", "Closed"),
                        ],
                        default="waiting",
                        max_length=10,
                        verbose_name="status after the answer",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("draft", "Draft"), ("sending", "Sending"), ("sent", "Sent")],
                        default="draft",
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "bulk answer",
                "verbose_name_plural": "bulk answers",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="Macro",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=100, unique=True, verbose_name="title")),
                (
                    "body",
                    models.TextField(
                        blank=True,
                        help_text="Placeholders: {name}, {reference}, {incident}, {site_url}.",
                        verbose_name="reply",
                    ),
                ),
                (
                    "body_en",
                    models.TextField(
                        blank=True,
                        help_text="Placeholders: {name}, {reference}, {incident}, {site_url}.",
                        null=True,
                        verbose_name="reply",
                    ),
                ),
                (
                    "body_es",
                    models.TextField(
                        blank=True,
                        help_text="Placeholders: {name}, {reference}, {incident}, {site_url}.",
                        null=True,
                        verbose_name="reply",
                    ),
                ),
                (
                    "set_status",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("new", "New"),
                            ("open", "Open"),
                            ("waiting", "Waiting on customer"),
                            ("resolved", "Resolved"),
                            ("closed", "Closed"),
                        ],
                        max_length=10,
                        verbose_name="set status",
                    ),
                ),
                (
                    "set_priority",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("urgent", "Urgent"),
                            ("high", "High"),
                            ("normal", "Normal"),
                            ("low", "Low"),
                        ],
                        max_length=10,
                        verbose_name="set priority",
                    ),
                ),
                (
                    "set_assignee",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Leave as it is"),
                            ("me", "The agent using the macro"),
                            ("nobody", "Nobody"),
                        ],
                        max_length=10,
                        verbose_name="set assignee",
                    ),
                ),
                (
                    "set_category",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("affected", "Was I affected?"),
                            ("password", "Password and two-factor authentication"),
                            ("remedy", "Remedy or compensation"),
                            ("phishing", "A suspicious email or call"),
                            ("other", "Something else"),
                        ],
                        max_length=20,
                        verbose_name="set category",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "canned",
                    models.ForeignKey(
                        blank=True,
                        help_text="Sent when the macro has no reply of its own.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="support.cannedresponse",
                        verbose_name="canned response",
                    ),
                ),
            ],
            options={
                "verbose_name": "macro",
                "verbose_name_plural": "macros",
                "ordering": ["title"],
            },
        ),
        migrations.CreateModel(
            name="BulkAnswerItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "bulk_answer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="support.bulkanswer",
                    ),
                ),
                (
                    "message",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="support.message",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="support.ticket",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("bulk_answer", "ticket"), name="bulk_answer_item_once_per_ticket"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SlaAlert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("approaching", "Answer nearly due, nobody assigned"),
                            ("overdue", "Answer overdue"),
                        ],
                        max_length=12,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sla_alerts",
                        to="support.ticket",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("ticket", "stage"), name="sla_alert_once_per_stage"
                    )
                ],
            },
        ),
        migrations.RunPython(create_leads, remove_leads),
    ]
