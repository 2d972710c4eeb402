from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self):
        # Registers the tasks, which services queue by name (core.tasks.enqueue_on_commit).
        from . import tasks  # noqa: F401
