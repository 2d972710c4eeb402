from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"

    def ready(self):
        from audit.actions import actions_register

        from . import audit_actions, tasks  # noqa: F401 (registers the tasks)

        actions_register(audit_actions.Action)
