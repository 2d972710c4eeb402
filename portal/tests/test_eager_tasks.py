"""Without a broker (`make run`), tasks run in the web process, quietly."""

import os
import subprocess
import sys

PROBE = """
import django
django.setup()
from django.conf import settings
from portal.celery import app

@app.task
def ping():
    return "pong"

print("eager" if settings.CELERY_TASK_ALWAYS_EAGER else "broker", ping.delay().get())
"""


def test_a_task_run_in_process_logs_no_broker_warning():
    # A real process configured as `make run` is: no CELERY_BROKER_URL.
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"} | {
        "DATABASE_URL": "sqlite://:memory:",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.strip().splitlines()[-1] == "eager pong", result.stderr
    # Celery takes a producer even for a task it runs in-process; with no broker that was
    # amqp:// on no host, and every process's first task logged a warning that looked
    # like a misconfigured server.
    assert "No hostname was supplied" not in result.stderr + result.stdout
