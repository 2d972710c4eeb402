"""
Fault test: a Celery worker killed with SIGKILL in the middle of a campaign loses no email.

The outbox promises that mail is never lost, and that a crash duplicates at
most the batch in flight, each duplicate with the same Message-ID as the first
copy (so mail clients and the recipient can tell it is the same message). This
script checks both with real processes, on this machine:

1. starts the SMTP sink of `bench/common.py` (its own process, keeping every
   message's Message-ID and recipient), creates a fresh PostgreSQL database
   (`candor_bench_fault`), imports N affected people (default 5,000) from a
   generated CSV and creates a campaign;
2. starts one Celery worker on Redis (debug off, random keys) and sends the
   campaign as the admin does (`campaign_send`): the worker runs the fan-out
   task, then sends the outbox in batches of 100;
3. once half the recipients have their email, kills the worker with SIGKILL
   (its whole process group): the batch it was sending stays claimed
   ("sending"), and the task it was running is never acknowledged;
4. notes the rows the dead worker had claimed, starts a new worker and runs
   the sweep that Celery beat runs every minute (`notifications_sweep`). The
   sweep returns only claims older than STALE_CLAIM (5 minutes); rather than
   wait, the dead worker's claims are aged by STALE_CLAIM + 1 s (their
   `claimed_at` moved back), which is what the sweep would see five minutes
   later. Nothing else in the rows changes, and the new worker's claims are
   not touched. (Calling the sweep with `now` shifted forward instead would
   not do: it makes the returned rows due at that `now`, so a worker on the
   real clock would leave them for five minutes.);
5. waits until every row is marked sent, then counts at the sink: every
   recipient received the email; any duplicate is a message of the batch the
   dead worker had claimed, with that message's Message-ID, and there are at
   most a batch (100) of them;
6. stops the worker and the sink, drops the database and flushes the Redis
   databases it used, also when something fails.

Usage, from the repository root:

    .venv/bin/python bench/fault_worker_kill.py [--recipients N] [--pool prefork|solo]

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/fault_worker_kill.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common
from common import Sink, Workers, say

RESULTS_FILE = common.RESULTS_DIR / "fault_worker_kill.json"
DB_NAME = "candor_bench_fault"
DEFAULT_RECIPIENTS = 5_000
# The worker is killed halfway through the campaign, in the middle of a batch: when the
# sink has the 50th email of a batch of 100 (notifications.tasks.BATCH_SIZE).
BATCH = 100
KILL_IN_BATCH = 50
# Polls the sink this often while waiting to kill, so the kill lands where it is aimed.
KILL_POLL_S = 0.005
MIN_RECIPIENTS = 5 * BATCH


# --- Children: run inside Django ---------------------------------------------------------


def child_age_claims() -> dict[str, Any]:
    """
    The dead worker's claims, made as old as the sweep's threshold.

    Runs while no worker is alive, so every row still "sending" was claimed by
    the worker that was killed.
    """
    from django.db.models import F

    from notifications import tasks
    from notifications.models import Notification
    from notifications.services import outbox

    claimed = Notification.objects.filter(status=Notification.Status.SENDING)
    in_flight = {n.pk: outbox.message_id(n) for n in claimed}
    Notification.objects.filter(pk__in=in_flight).update(
        claimed_at=F("claimed_at") - outbox.STALE_CLAIM - dt.timedelta(seconds=1)
    )
    return {"in_flight_message_ids": sorted(in_flight.values()), "batch_size": tasks.BATCH_SIZE}


def child_main(args: argparse.Namespace) -> int:
    common.django_setup()
    print(json.dumps(child_age_claims()), flush=True)
    return 0


# --- Parent ------------------------------------------------------------------------------


def count_at_sink(
    messages: list[tuple[str, str]], expected: set[str], in_flight: set[str], batch_size: int
) -> dict[str, Any]:
    """Who received what: every recipient once, duplicates only from the batch in flight."""
    ids_by_recipient, counts = common.deliveries(messages, expected)
    duplicated = {r: ids for r, ids in ids_by_recipient.items() if len(ids) > 1}
    duplicates = sum(len(ids) - 1 for ids in duplicated.values())
    share_message_id = all(len(set(ids)) == 1 for ids in duplicated.values())
    from_in_flight = all(ids[0] in in_flight for ids in duplicated.values())
    ok = (
        counts["missing"] == 0
        and counts["unexpected"] == 0
        and share_message_id
        and from_in_flight
        and duplicates <= batch_size
    )
    return {
        **counts,
        "duplicates": duplicates,
        "duplicates_share_message_id": share_message_id,
        "duplicates_from_in_flight_batch": from_in_flight,
        "ok": ok,
    }


def run(recipients: int, pool: str) -> dict[str, Any]:
    script = Path(__file__).resolve()
    with tempfile.TemporaryDirectory(prefix="candor-bench-fault-") as work_dir:
        work = Path(work_dir)
        csv_path = work / "affected-people.csv"
        expected = common.write_recipients_csv(csv_path, recipients, random.Random(common.SEED))
        log = work / "workers.log"
        with Sink() as sink, log.open("a") as log_file:
            env = common.campaign_env(
                db_name=DB_NAME, smtp_port=sink.port, media_root=work / "media"
            )
            say(f"SMTP sink on {common.HOST}:{sink.port}; database {DB_NAME}: recreating")
            with common.campaign_database(env, DB_NAME, csv_path) as setup:
                group = setup["group"]
                say(f"{setup['imported']:,} affected people imported; sending the campaign")

                with Workers(env, 1, pool, log_file, "doomed") as doomed:
                    common.campaign_send(env, setup["campaign_id"])
                    kill_at = recipients // 2 // BATCH * BATCH + KILL_IN_BATCH
                    common.wait_for_messages(
                        sink, kill_at, alive=doomed.check_alive, progress=False, poll=KILL_POLL_S
                    )
                    doomed.kill()
                killed_after = sink.stats().count
                states = common.outbox_counts(DB_NAME, group)
                say(f"worker killed (SIGKILL) after {killed_after:,} emails; outbox: {states}")

                aged = common.run_child(script, env, "--child", "age-claims")
                in_flight = set(aged["in_flight_message_ids"])
                say(f"{len(in_flight)} rows claimed by the dead worker, aged past STALE_CLAIM")
                with Workers(env, 1, pool, log_file, "restarted") as restarted:
                    started = time.monotonic()
                    due = common.outbox_sweep(env)
                    say(f"new worker started; the sweep finds {due:,} rows due")
                    common.wait_for_messages(
                        sink, recipients, alive=restarted.check_alive, progress=False
                    )
                    common.wait_for_outbox_sent(DB_NAME, group, recipients)
                    recovered_s = time.monotonic() - started
                say(f"every row sent {recovered_s:.1f} s after the restart")
                counted = count_at_sink(sink.messages(), expected, in_flight, aged["batch_size"])
    return {
        "recipients": recipients,
        "pool": pool,
        "killed_after_emails": killed_after,
        "in_flight_at_kill": len(in_flight),
        "recovered_seconds": round(recovered_s, 1),
        "batch_size": aged["batch_size"],
        **counted,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--recipients",
        type=int,
        default=DEFAULT_RECIPIENTS,
        help=f"affected people, one email each (default {DEFAULT_RECIPIENTS:,})",
    )
    parser.add_argument(
        "--pool",
        choices=["prefork", "solo"],
        default="prefork",
        help="Celery pool of the worker (concurrency 1; default prefork)",
    )
    parser.add_argument("--child", choices=["age-claims"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.recipients < MIN_RECIPIENTS:
        parser.error(f"--recipients must be at least {MIN_RECIPIENTS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    signal.signal(signal.SIGTERM, common.exit_on_sigterm)
    summary = run(args.recipients, args.pool)
    verdict = (
        f"{summary['unique_recipients']:,} of {summary['recipients']:,} recipients received "
        f"the email; {summary['duplicates']} duplicates (at most {summary['batch_size']}), "
        f"sharing their Message-ID: {summary['duplicates_share_message_id']}; ok: {summary['ok']}"
    )
    common.finish(RESULTS_FILE, summary, verdict)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
