"""
The actions the trail records. Each app declares its own (`<app>/audit_actions.py`), as
it declares its permissions, and registers them in its AppConfig.ready: the trail stores
an action as plain text, so a new one needs no migration of audit, and refuses one that
no app registered.
"""

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models

_labels: dict[str, str] = {}


def actions_register(actions: type[models.TextChoices]) -> None:
    """Let the trail record these actions, and show their labels in the admin."""
    for value, label in actions.choices:
        if _labels.setdefault(value, label) != label:
            raise ImproperlyConfigured(f"The audit action {value!r} is registered twice.")


def action_label(action: str) -> str:
    """The action's label, or the action itself if no app registers it any more."""
    return _labels.get(action, action)


def action_choices() -> list[tuple[str, str]]:
    """Every registered action and its label, in the order of their labels."""
    return sorted(_labels.items(), key=lambda choice: str(choice[1]))


def action_validate(action: str) -> None:
    # Only code records actions: an unregistered one is a bug, said in English to its author.
    if action not in _labels:
        raise ValidationError(
            "%(action)s is not an action any app registered.",
            code="unregistered",
            params={"action": action},
        )
