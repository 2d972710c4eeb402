"""allauth's account events, handed to our services."""

from . import services


def on_logged_in(sender, request, user, **kwargs):
    services.password_requirement_refresh(user=user)


def on_password_changed(sender, request, user, **kwargs):
    services.password_changed(user=user, request=request)
