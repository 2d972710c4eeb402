"""
The support report's export of questions' text (a permission the Support leads get),
and, on PostgreSQL, the indexes behind the inbox's search.

The search indexes are on expressions of the columns themselves (to_tsvector of the
subject and of each message's body, the upper-cased address), so the database keeps
them current on every write, whichever code path adds a message: nothing to update in
services, nothing to backfill. SQLite has no such indexes; its search is a plain
icontains (support/selectors.py, ticket_search).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEADS = "Support leads"
GRANTS = ["export_ticket_text"]

# The expressions here are the ones support/selectors.py searches with (SimpleVector,
# Upper): PostgreSQL uses an expression index only for the very same expression.
INDEXES = [
    (
        "support_message_body_fts",
        "support_message USING gin (to_tsvector('simple'::regconfig, body))",
    ),
    (
        "support_ticket_subject_fts",
        "support_ticket USING gin (to_tsvector('simple'::regconfig, subject))",
    ),
    ("support_ticket_email_upper", "support_ticket (upper(requester_email::text))"),
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("support")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=LEADS)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="support", codename__in=GRANTS)
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=LEADS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="support", codename__in=GRANTS)
        )


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0006_mail_and_phone"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="ticket",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("reply_ticket", "Can reply to customers and write internal notes"),
                    ("export_ticket_text", "Can export the text of customers' questions"),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
