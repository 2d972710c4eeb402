from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"

    def ready(self):
        from audit.actions import actions_register

        # Registers the tasks, which services queue by name (core.tasks.enqueue_on_commit).
        from . import audit_actions, tasks  # noqa: F401

        actions_register(audit_actions.Action)
