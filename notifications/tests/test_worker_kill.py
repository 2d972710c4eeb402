"""
A worker killed (SIGKILL) in the middle of a campaign loses no email.

Real processes: a Celery worker subprocess on the configured broker, sharing the
test database, sends a campaign to the SMTP sink and is killed mid-batch; a new
worker is started and the sweep returns what the dead one had claimed.
bench/fault_worker_kill.py does the same with thousands of recipients.
"""

import asyncio
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.db.models import F

from incidents.models import ImportBatch
from incidents.services import imports
from notifications import tasks
from notifications.models import Campaign, Notification
from notifications.services import campaigns, outbox

REPO = Path(__file__).resolve().parents[2]
RECIPIENTS = 300
# The sink has this many emails when the worker is killed: in the middle of the second batch.
KILL_AFTER = 150
# A slow mail server, so that sending takes long enough for the kill to land in a batch.
SINK_DELAY_S = 0.005
TIMEOUT_S = 20

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="needs a Celery broker for the worker process: set CELERY_BROKER_URL (CI: Redis)",
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the worker process shares the test database",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def database_url() -> str:
    """The test database (pytest-django's test_<name>), as the worker's DATABASE_URL."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{db['HOST']}{port}/{db['NAME']}"


def start_worker(log) -> subprocess.Popen:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # The smtp_sink fixture's server.
        "EMAIL_URL": f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
        # The fan-out reads the imported file, and matches its addresses by digest.
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EXPOSURE_DIGEST_KEY": settings.EXPOSURE_DIGEST_KEY,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo",
        "--hostname", f"kill-test-{uuid.uuid4().hex[:8]}@%h", "--loglevel", "WARNING",
        "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def wait_until(condition, *, what: str, log) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            log.flush()
            tail = Path(log.name).read_text()[-3000:]
            raise AssertionError(f"{what} within {TIMEOUT_S} s; the workers' log:\n{tail}")
        time.sleep(0.05)


def slow_down(sink) -> None:
    accept = sink.handle_DATA

    async def handle_DATA(server, session, envelope):
        await asyncio.sleep(SINK_DELAY_S)
        return await accept(server, session, envelope)

    sink.handle_DATA = handle_DATA


@pytest.fixture
def addresses():
    return [f"person{n}@example.com" for n in range(RECIPIENTS)]


@pytest.fixture
def campaign(incident, addresses):
    rows = "".join(f"{a},password-hash,standard,\r\n" for a in addresses)
    batch = ImportBatch(incident=incident, original_name="list.csv")
    batch.file.save("list.csv", File(io.BytesIO(f"{','.join(imports.HEADER)}\r\n{rows}".encode())))
    imports.import_batch_run(batch=batch)
    return Campaign.objects.create(
        incident=incident,
        name="First notice",
        subject="About {{ incident }}",
        body="Your {{ categories }} was involved.\n\n{{ advice }}",
    )


def test_a_worker_killed_mid_campaign_loses_no_email_and_resends_only_its_batch(
    campaign, addresses, smtp_sink, tmp_path
):
    slow_down(smtp_sink)
    with (tmp_path / "workers.log").open("w+") as log:
        doomed = start_worker(log)
        try:
            campaigns.campaign_send(campaign=campaign)
            wait_until(
                lambda: len(smtp_sink.messages) >= KILL_AFTER,
                what="the first emails did not arrive",
                log=log,
            )
            os.killpg(doomed.pid, signal.SIGKILL)
        finally:
            stop(doomed)
        in_flight = list(Notification.objects.filter(status=Notification.Status.SENDING))
        # The sweep takes back claims older than STALE_CLAIM: age the dead worker's instead of
        # waiting. (A sweep with `now` shifted forward would make them due only at that `now`,
        # five minutes away on the new worker's clock.)
        Notification.objects.filter(pk__in=[n.pk for n in in_flight]).update(
            claimed_at=F("claimed_at") - outbox.STALE_CLAIM - dt.timedelta(seconds=1)
        )
        restarted = start_worker(log)
        try:
            tasks.notifications_sweep()  # what Celery beat runs every minute
            wait_until(
                lambda: not Notification.objects.exclude(status=Notification.Status.SENT).exists(),
                what="the outbox was not all sent",
                log=log,
            )
        finally:
            stop(restarted)

    message_ids = defaultdict(list)
    for message in smtp_sink.messages:
        message_ids[message["To"]].append(message["Message-ID"])
    duplicated = {to: ids for to, ids in message_ids.items() if len(ids) > 1}
    assert in_flight, "the kill should land in the middle of a batch"
    assert sorted(message_ids) == sorted(addresses)
    assert all(len(set(ids)) == 1 for ids in duplicated.values())
    assert {ids[0] for ids in duplicated.values()} <= {outbox.message_id(n) for n in in_flight}
    assert sum(len(ids) - 1 for ids in duplicated.values()) <= tasks.BATCH_SIZE
