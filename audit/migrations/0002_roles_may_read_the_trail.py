"""Both staff roles may read the audit trail (each sees the events of what it may see)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["Support agents", "Comms team"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; this one is needed now.
    app_config = apps.get_app_config("audit")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.get(content_type__app_label="audit", codename="view_auditevent")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.add(view)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="audit", codename="view_auditevent")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*view)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("support", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
