from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Candor"

    def ready(self):
        from django.contrib import admin
        from django.contrib.admin import options
        from django.db import models

        from .admin_base import LabelledSplitDateTime

        # Every admin date-and-time field gets named boxes: in the defaults, for the
        # inlines made per request, and in the model admins the admin app's ready()
        # has already made from the defaults (it runs first: it is listed first).
        labelled = {"widget": LabelledSplitDateTime}
        options.FORMFIELD_FOR_DBFIELD_DEFAULTS[models.DateTimeField] |= labelled
        for model_admin in admin.site._registry.values():
            overrides = model_admin.formfield_overrides
            overrides[models.DateTimeField] = overrides.get(models.DateTimeField, {}) | labelled
