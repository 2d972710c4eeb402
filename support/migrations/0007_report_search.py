"""
The support report's export of questions' text (a permission the Support leads get),
and, on PostgreSQL, what the inbox's search and its default order read.

Search: a `search` column of support_ticket (tsvector of the subject and every message's
body, 'simple' configuration), GIN-indexed, and kept current by triggers in the database
itself, so every path that writes a message keeps it right: the web form, mail intake,
phone notes, bulk answers (bulk_create), a merge (messages moving between questions),
deletion. The column is the database's alone (not a model field): a model field would
be written back, stale, by every full save() of a ticket. Triggers are per statement,
with transition tables, so a bulk insert of messages refreshes each question once.

Also: the upper-cased address (an exact, case-blind address search), and the inbox's
order (priority rank, then due time: TicketAdmin.ordering and PRIORITY_RANK), so a page
is the first rows of an index, not a sort of every open question.

SQLite has none of this; its search is icontains (support/selectors.py, ticket_search).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEADS = "Support leads"
GRANTS = ["export_ticket_text"]

# Kept in step with support/selectors.py (ticket_search) and support/admin.py
# (PRIORITY_RANK); support/tests/test_search.py checks that the planner uses them.
SEARCH_TEXT = """
CREATE FUNCTION support_ticket_search_text(ticket bigint, subject text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  SELECT to_tsvector('simple'::regconfig, coalesce(subject, '') || ' ' || coalesce(
    (SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM support_message m
     WHERE m.ticket_id = ticket), ''))
$$
"""
ON_TICKET = """
CREATE FUNCTION support_ticket_search_on_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search := support_ticket_search_text(NEW.id, NEW.subject);
  RETURN NEW;
END $$
"""
ON_MESSAGES = """
CREATE FUNCTION support_ticket_search_on_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE support_ticket t SET search = support_ticket_search_text(t.id, t.subject)
    WHERE t.id IN (SELECT ticket_id FROM new_rows);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE support_ticket t SET search = support_ticket_search_text(t.id, t.subject)
    WHERE t.id IN (SELECT ticket_id FROM old_rows);
  END IF;
  RETURN NULL;
END $$
"""
PRIORITY_RANK = (
    "(CASE WHEN priority = 'urgent' THEN 0 WHEN priority = 'high' THEN 1 "
    "WHEN priority = 'normal' THEN 2 WHEN priority = 'low' THEN 3 ELSE NULL END)"
)
FORWARD = [
    "ALTER TABLE support_ticket ADD COLUMN search tsvector",
    SEARCH_TEXT,
    ON_TICKET,
    ON_MESSAGES,
    "CREATE TRIGGER support_ticket_search BEFORE INSERT OR UPDATE OF subject ON support_ticket "
    "FOR EACH ROW EXECUTE FUNCTION support_ticket_search_on_ticket()",
    "CREATE TRIGGER support_message_search_insert AFTER INSERT ON support_message "
    "REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION support_ticket_search_on_messages()",
    "CREATE TRIGGER support_message_search_update AFTER UPDATE ON support_message "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION support_ticket_search_on_messages()",
    "CREATE TRIGGER support_message_search_delete AFTER DELETE ON support_message "
    "REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION support_ticket_search_on_messages()",
    "UPDATE support_ticket SET search = support_ticket_search_text(id, subject)",
]
# Built after the rows are written (the migration's backfill, or a bulk load).
INDEXES = [
    ("support_ticket_search", "support_ticket USING gin (search)"),
    ("support_ticket_email_upper", "support_ticket (upper(requester_email::text))"),
    (
        "support_ticket_inbox_order",
        f"support_ticket ({PRIORITY_RANK}, first_response_due_at, id DESC)",
    ),
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS support_message_search_insert ON support_message",
    "DROP TRIGGER IF EXISTS support_message_search_update ON support_message",
    "DROP TRIGGER IF EXISTS support_message_search_delete ON support_message",
    "DROP TRIGGER IF EXISTS support_ticket_search ON support_ticket",
    "DROP FUNCTION IF EXISTS support_ticket_search_on_messages()",
    "DROP FUNCTION IF EXISTS support_ticket_search_on_ticket()",
    "DROP FUNCTION IF EXISTS support_ticket_search_text(bigint, text)",
    "DROP INDEX IF EXISTS support_ticket_email_upper",
    "DROP INDEX IF EXISTS support_ticket_inbox_order",
    "ALTER TABLE support_ticket DROP COLUMN IF EXISTS search",
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


def search_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX {name} ON {definition}")


def search_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


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
        migrations.RunPython(search_create, search_drop),
    ]
