"""The comms team writes and sends campaigns (added after the roles were made)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = ["view_campaign", "add_campaign", "change_campaign", "delete_campaign"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("notifications")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Comms team")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="notifications", codename__in=GRANTS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Comms team"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="notifications", codename__in=GRANTS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_subscription_language"),
        ("support", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
