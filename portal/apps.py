from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Candor"

    def ready(self):
        from django.contrib import admin
        from django.contrib.admin import options
        from django.core.checks import Tags, register
        from django.db import models

        from core.admin import LabelledSplitDateTime

        from .checks import check_exposure_digest_key, check_secret_key

        # `manage.py check --deploy` names a weak key (the settings refuse one already).
        register(Tags.security, deploy=True)(check_secret_key)
        register(Tags.security, deploy=True)(check_exposure_digest_key)

        # Every admin date-and-time field gets named boxes: in the defaults, for the
        # inlines made per request, and in the model admins the admin app's ready()
        # has already made from the defaults (it runs first: it is listed first).
        labelled = {"widget": LabelledSplitDateTime}
        options.FORMFIELD_FOR_DBFIELD_DEFAULTS[models.DateTimeField] |= labelled
        for model_admin in admin.site._registry.values():
            overrides = model_admin.formfield_overrides
            overrides[models.DateTimeField] = overrides.get(models.DateTimeField, {}) | labelled
