"""
Fault test: the SMTP server down for a minute in the middle of a campaign; nothing lost or doubled.

When the mail server goes away, the outbox keeps every email: a batch that cannot
connect is retried later with backoff, and Celery beat's sweep (every minute)
asks a worker to send what has come due. This script checks, with real processes
on this machine, that every recipient then gets the email exactly once:

1. starts the SMTP sink of `bench/common.py`, creates a fresh PostgreSQL
   database (`candor_bench_fault_smtp`), imports N affected people (default
   2,000) from a generated CSV, creates a campaign; starts one Celery worker and
   Celery beat on Redis (databases 5 and 6, flushed), as production runs them;
2. sends the campaign as the admin does; when a quarter of the recipients have
   their email, stops the sink (the port then refuses connections), keeps it
   down `--down-seconds` (default 60) and starts a new sink on the same port;
3. waits until every outbox row is sent (beat's sweep and the retries' backoff
   decide when), then counts at the sinks, by recipient and Message-ID: every
   recipient received the email, and nobody got it twice;
4. stops the worker, beat and the sink, drops the database and flushes Redis,
   also when something fails.

Usage, from the repository root:

    .venv/bin/python bench/fault_smtp.py [--recipients N] [--down-seconds N]

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/fault_smtp.json.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import common
import psycopg
from common import Sink, Workers, say

RESULTS_FILE = common.RESULTS_DIR / "fault_smtp.json"
DB_NAME = "candor_bench_fault_smtp"
DEFAULT_RECIPIENTS = 2_000
# Long enough for the backoff (30 s, then 60 s, ...) and beat's minute to bring every row back.
RECOVERY_TIMEOUT_S = 600.0


def attempts(db_name: str, group: str) -> dict[str, int]:
    """How many rows took how many attempts (1 = sent the first time)."""
    with psycopg.connect(common.database_dsn(db_name)) as conn:
        rows = conn.execute(
            'SELECT attempts, count(*) FROM notifications_notification WHERE "group" = %s '
            "GROUP BY attempts ORDER BY attempts",
            [group],
        ).fetchall()
    return {str(n): count for n, count in rows}


def count_at_sink(messages: list[tuple[str, str]], expected: set[str]) -> dict[str, Any]:
    ids_by_recipient, counts = common.deliveries(messages, expected)
    per_message_id = Counter(message_id for message_id, _ in messages)
    return {
        **counts,
        "duplicate_recipients": sum(len(ids) - 1 for ids in ids_by_recipient.values()),
        "duplicate_message_ids": sum(n - 1 for n in per_message_id.values() if n > 1),
    }


def run(recipients: int, down_seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="candor-bench-fault-smtp-") as work_dir:
        work = Path(work_dir)
        csv_path = work / "affected-people.csv"
        expected = common.write_recipients_csv(csv_path, recipients, random.Random(common.SEED))
        sink = Sink()
        port = sink.port
        messages: list[tuple[str, str]] = []
        env = common.campaign_env(db_name=DB_NAME, smtp_port=port, media_root=work / "media")
        say(f"SMTP sink on {common.HOST}:{port}; database {DB_NAME}: recreating")
        try:
            with (
                common.campaign_database(env, DB_NAME, csv_path) as setup,
                (work / "workers.log").open("a") as log,
                Workers(env, 1, "prefork", log, "smtp") as workers,
            ):
                group = setup["group"]
                say(f"{setup['imported']:,} affected people imported; a worker and beat start")
                beat = common.start_beat(env, work, log)
                try:
                    common.campaign_send(env, setup["campaign_id"])
                    common.wait_for_messages(
                        sink, recipients // 4, alive=workers.check_alive, progress=False
                    )
                    messages += sink.shut_down()
                    stopped = time.monotonic()
                    before = len(messages)
                    say(f"SMTP sink stopped after {before:,} emails")
                    time.sleep(down_seconds)
                    during = common.outbox_counts(DB_NAME, group)
                    say(f"after {down_seconds:.0f} s down, outbox: {during}; sink started again")
                    sink = Sink(port)
                    restarted = time.monotonic()
                    common.wait_for_outbox_sent(
                        DB_NAME,
                        group,
                        recipients,
                        RECOVERY_TIMEOUT_S,
                        alive=workers.check_alive,
                        progress=True,
                    )
                    recovered_s = time.monotonic() - restarted
                    # The last batch is marked sent after its last message: let it land.
                    time.sleep(1.0)
                    messages += sink.shut_down()
                    tries = attempts(DB_NAME, group)
                finally:
                    common.stop_process_group(beat)
        finally:
            sink.stop()
    counted = count_at_sink(messages, expected)
    ok = (
        counted["missing"] == 0
        and counted["unexpected"] == 0
        and counted["duplicate_recipients"] == 0
        and counted["duplicate_message_ids"] == 0
    )
    return {
        "recipients": recipients,
        "down_seconds": round(restarted - stopped, 1),
        "received_before_outage": before,
        "outbox_at_end_of_outage": during,
        "all_sent_seconds_after_restart": round(recovered_s, 1),
        "attempts_per_row": tries,
        **counted,
        "ok": ok,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--recipients", type=int, default=DEFAULT_RECIPIENTS, help="default 2,000")
    parser.add_argument(
        "--down-seconds", type=float, default=60.0, help="how long the sink is down (60)"
    )
    args = parser.parse_args(argv)
    if args.recipients < 400:
        parser.error("--recipients must be at least 400")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, common.exit_on_sigterm)
    summary = run(args.recipients, args.down_seconds)
    verdict = (
        f"SMTP down {summary['down_seconds']} s: {summary['unique_recipients']:,} of "
        f"{summary['recipients']:,} recipients received the email, {summary['missing']} "
        f"missing, {summary['duplicate_recipients']} duplicates; all sent "
        f"{summary['all_sent_seconds_after_restart']} s after the restart; ok: {summary['ok']}"
    )
    common.finish(RESULTS_FILE, summary, verdict)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
