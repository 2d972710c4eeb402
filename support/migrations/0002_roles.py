"""The two staff roles, each with only the permissions it needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    # Agents answer questions; they cannot edit incidents or people.
    "Support agents": [
        ("support", "ticket", ["view", "change", "reply"]),
        ("support", "message", ["view", "add"]),
        ("support", "cannedresponse", ["view", "add", "change", "delete"]),
        ("incidents", "faq", ["view"]),
        ("notifications", "notification", ["view"]),
    ],
    # The comms team tells the public; customers' questions are not theirs to read.
    "Comms team": [
        ("incidents", "incident", ["view", "add", "change", "delete", "export"]),
        ("incidents", "update", ["view", "add", "change", "delete"]),
        ("incidents", "faq", ["view", "add", "change", "delete"]),
        ("incidents", "datacategory", ["view", "add", "change", "delete"]),
        ("incidents", "importbatch", ["view", "add"]),
        ("incidents", "exposure", ["view"]),
        ("incidents", "regime", ["view", "add", "change"]),
        ("incidents", "obligation", ["view", "add", "change"]),
        ("notifications", "notification", ["view"]),
        ("notifications", "subscription", ["view"]),
    ],
}


SPECIAL = {"reply": "reply_ticket", "export": "export_affected"}


def codename(action, model):
    return SPECIAL.get(action, f"{action}_{model}")


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; these need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, model, actions in grants:
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label=app_label, codename=codename(action, model)
                    )
                )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("incidents", "0006_incident_export_permission"),
        ("notifications", "0002_subscriptions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
