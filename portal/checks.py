"""
Keys too weak for production, refused twice: by the settings as they load (gunicorn runs
no system checks) and by `manage.py check --deploy` (candor.E001, candor.E002; registered
in PortalConfig.ready). The settings import this module, so it imports no Django at the top.
"""

import os

# Obviously-for-development values; never accepted with debug off.
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
DEV_EXPOSURE_DIGEST_KEY = "dev-only-exposure-digest-key"
SECRET_KEY_MIN_LENGTH = 50
EXPOSURE_DIGEST_KEY_MIN_LENGTH = 32
# Fewer distinct characters than this is a pattern ("aaaa…", "abab…"), not a random key.
MIN_DISTINCT_CHARACTERS = 5
_DEV_KEYS = {DEV_SECRET_KEY, DEV_EXPOSURE_DIGEST_KEY}


def key_problems(name: str, value: str, min_length: int) -> list[str]:
    """What makes `value` unfit as the production key `name`; empty when it is fit."""
    if not value:
        return [f"{name} is not set."]
    problems = []
    if value in _DEV_KEYS or value.startswith("django-insecure"):
        problems.append(f"{name} is a development value.")
    if len(value) < min_length:
        problems.append(f"{name} is shorter than {min_length} characters.")
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        problems.append(f"{name} has fewer than {MIN_DISTINCT_CHARACTERS} distinct characters.")
    return problems


def production_key(name: str, min_length: int, dev_value: str, *, debug: bool) -> str:
    """
    The key in the environment variable `name`, for the settings as they load; the
    development value only with debug on. With debug off a missing or weak key stops
    the process as it starts.
    """
    from django.core.exceptions import ImproperlyConfigured

    value = os.environ.get(name, "")
    if debug:
        return value or dev_value
    if problems := key_problems(name, value, min_length):
        why = f"is too weak for production: {' '.join(problems)}" if value else "is not set."
        raise ImproperlyConfigured(
            f"{name} {why} With debug off Candor refuses to start "
            f"without a real key ({min_length}+ random characters). For development on "
            "this machine, set DJANGO_DEBUG=true instead."
        )
    return value


def _key_check(setting: str, name: str, min_length: int, check_id: str) -> list:
    from django.conf import settings
    from django.core.checks import Error

    # With debug off the settings have refused such a key already; with it on (and the
    # development keys), --deploy still says what production would refuse.
    return [
        Error(
            problem,
            hint=f"Set {name} to {min_length}+ random characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`.",
            id=check_id,
        )
        for problem in key_problems(name, getattr(settings, setting, ""), min_length)
    ]


def check_secret_key(app_configs, **kwargs):
    return _key_check("SECRET_KEY", "DJANGO_SECRET_KEY", SECRET_KEY_MIN_LENGTH, "candor.E001")


def check_exposure_digest_key(app_configs, **kwargs):
    return _key_check(
        "EXPOSURE_DIGEST_KEY", "EXPOSURE_DIGEST_KEY", EXPOSURE_DIGEST_KEY_MIN_LENGTH, "candor.E002"
    )
