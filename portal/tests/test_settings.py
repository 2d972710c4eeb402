import os
import subprocess
import sys

import pytest
from django.conf import settings

SETUP = "import django; django.setup(); print('started')"


def start(**env_vars):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings"} | env_vars
    return subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = start(DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("key", ["short", "dev-only-insecure-key-do-not-use-in-production"])
def test_production_refuses_a_weak_secret_key(key):
    result = start(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=key)

    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = start(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k" * 30 + "-a-long-random-looking-value"
    )

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_starts_with_no_configuration_at_all():
    result = start()

    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_an_exposure_digest_key():
    key = "k" * 30 + "-a-long-random-looking-value"
    result = start(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=key, EXPOSURE_DIGEST_KEY="")

    assert result.returncode != 0
    assert "EXPOSURE_DIGEST_KEY is not set" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "k" * 30 + "-a-long-random-looking-value-for-checks",
        "DJANGO_ALLOWED_HOSTS": "status.example.com",
    }
    result = subprocess.run(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
