import json
import os
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse

PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["database"] == "ok"
    expected_broker = "ok" if settings.CELERY_BROKER_URL else "eager"
    assert body["broker"] == expected_broker
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_is_unreachable():
    # A real process whose database server does not exist (nothing listens on port 9).
    env = os.environ | {
        "DATABASE_URL": "postgres://candor@127.0.0.1:9/candor",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["status"] == HTTPStatus.SERVICE_UNAVAILABLE
    assert report["body"]["database"] == "unreachable"


def test_healthz_reports_an_unreachable_broker_without_failing():
    env = os.environ | {
        "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
        "DATABASE_URL": "sqlite://:memory:",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["status"] == HTTPStatus.OK
    assert report["body"]["broker"] == "unreachable"
