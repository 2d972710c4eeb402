"""
Benchmark of a campaign's email fan-out: the outbox and real Celery workers against a plain loop.

On the day of a disclosure every affected person gets one email. Candor writes
each into the outbox first (`notifications/services/campaigns.py`), and Celery
workers claim batches of 100 rows (SELECT ... FOR UPDATE SKIP LOCKED), send each
batch over one SMTP connection and mark the rows sent
(`notifications/services/outbox.py`). That bookkeeping is what makes mail
never lost; this script measures what it costs, end to end, on this machine:

1. starts an SMTP sink in its own process (aiosmtpd on 127.0.0.1) that keeps
   every message's Message-ID and recipient and when it arrived;
2. creates a fresh PostgreSQL database (`candor_bench_fanout`), migrates it,
   creates a published incident, imports N affected people (default 100,000)
   from a generated CSV through the admin's code path (the file is kept as the
   ImportBatch's file, where the fan-out reads the addresses) and creates a
   campaign worded per tier;
3. fans the campaign out (`campaign_fanout`, what the task of that name runs),
   timed, in a child process with no worker running, so that sending is then
   measured alone;
4. the baseline: the same messages, built from the outbox rows with the
   standard library's email classes and sent by a plain `smtplib` loop over
   one connection (no Django, no bookkeeping). It runs before the workers and
   again after them, and the ratios use the mean of the two, so that a change
   in the machine's load during the run weighs on both sides;
5. for each worker count (default 1 and 2): returns the rows to pending,
   starts that many Celery worker processes on Redis (debug off, random keys,
   PostgreSQL), enqueues one `notifications_send` task per worker (each task
   sends a batch and queues the next, so every worker stays busy) and waits
   until every recipient has a message and every row is marked sent;
6. profiles one worker's path in-process on a sample of the rows: where its
   time goes (claiming, marking rows sent, building the MIME message in Django,
   the SMTP round trips, the rest);
7. stops the workers and the sink, drops the database and flushes the Redis
   databases it used (5: broker, 6: cache), also when something fails.

Rates are messages per second at the sink, from the first message to the last
of a run, so process start-up is not counted. Each run also reports the CPU
time per email of the sending processes (the loop, or the workers with their
pool processes) and of the sink: unlike rates, these hardly depend on what
else the machine is doing. The target is a ratio measured in the same run
against the same sink: the outbox with one worker (one connection, like the
baseline) and with every other worker count measured must send at least 0.7
times as fast as the plain loop. On a machine with few cores the workers,
PostgreSQL and the sink share them, so more workers may not mean more mail
per second here.

Usage, from the repository root:

    .venv/bin/python bench/fanout.py [--recipients N] [--workers 1,2] [--pool prefork|solo]

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/fanout.json.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import signal
import smtplib
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from common import (
    BROKER_URL,
    HOST,
    RESULTS_DIR,
    SEED,
    SITE_URL,
    Sink,
    SinkStats,
    Workers,
    admin_execute,
    campaign_database,
    campaign_env,
    clean_env,
    database_dsn,
    django_setup,
    exit_on_sigterm,
    finish,
    flush_redis,
    load_average,
    process_cpu_seconds,
    run_child,
    say,
    wait_for_messages,
    wait_for_outbox_sent,
    warn_if_busy,
    write_recipients_csv,
)
from psycopg import sql

RESULTS_FILE = RESULTS_DIR / "fanout.json"

DB_NAME = "candor_bench_fanout"
FROM_ADDRESS = "security@example.com"
FROM_HEADER = f"Example Corp Security <{FROM_ADDRESS}>"

DEFAULT_RECIPIENTS = 100_000
PROFILE_SAMPLE = 5_000
RATIO_MIN = 0.7
MILLION = 1_000_000

WORKER_READY_TIMEOUT_S = 60.0

# --- Children: run inside Django ---------------------------------------------------------


def child_fanout(campaign_id: int) -> dict[str, Any]:
    """What the campaign_fanout task runs; the kicks it queues are dropped by the parent."""
    from notifications.models import Campaign
    from notifications.services import campaigns

    campaign = Campaign.objects.select_related("incident").get(pk=campaign_id)
    started = time.perf_counter()
    queued = campaigns.campaign_fanout(campaign=campaign)
    return {"queued": queued, "fanout_s": round(time.perf_counter() - started, 3)}


def child_kick(tasks: int, workers: int) -> dict[str, Any]:
    """Wait until `workers` workers answer a ping, then queue `tasks` send tasks."""
    from notifications.tasks import notifications_send
    from portal.celery import app

    deadline = time.monotonic() + WORKER_READY_TIMEOUT_S
    replies: list[Any] = []
    while len(replies) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(replies)} of {workers} workers answered a ping")
        replies = app.control.ping(timeout=0.5) or []
    for _ in range(tasks):
        notifications_send.delay()
    return {"workers": len(replies), "tasks": tasks}


class SendProfiler:
    """
    Where a worker's time goes while it drains the outbox, in exclusive time per bucket.

    Wraps functions and methods by name (one that the code no longer has is
    simply not timed) and every SQL statement, classified. Timed regions nest:
    each bucket gets its own time minus the time of the regions inside it, so
    the buckets add up to the whole and "other" is what no bucket covers.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []

    @contextlib.contextmanager
    def region(self, bucket: str) -> Iterator[None]:
        frame = [time.perf_counter(), 0.0]  # start, time of nested regions
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            elapsed = time.perf_counter() - frame[0]
            self.seconds[bucket] += elapsed - frame[1]
            if self._stack:
                self._stack[-1][1] += elapsed

    def wrap(self, owner: Any, name: str, bucket: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return
        profiler = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            with profiler.region(bucket):
                return original(*args, **kwargs)

        setattr(owner, name, timed)

    @staticmethod
    def statement_kind(statement: str) -> str:
        text = " ".join(statement.split()).upper()
        if text.startswith("SELECT") and "FOR UPDATE" in text:
            return "SQL: claim, SELECT ... FOR UPDATE SKIP LOCKED"
        if text.startswith("UPDATE") and '"CLAIMED_AT"' in text:
            return "SQL: claim, UPDATE to sending"
        if text.startswith("UPDATE") and '"SENT_AT"' in text:
            return "SQL: mark sent, UPDATE"
        return "SQL: other"

    def execute(self, execute: Callable, statement: str, params: Any, many: bool, context: Any):
        with self.region(self.statement_kind(statement)):
            return execute(statement, params, many, context)


def child_profile(group: str, sample: int) -> dict[str, Any]:
    """Send `sample` rows of the campaign again, in-process, timing each part of the path."""
    from django.core.mail import EmailMessage
    from django.core.mail.backends.smtp import EmailBackend
    from django.core.mail.message import SafeMIMEMultipart, SafeMIMEText
    from django.db import connection
    from django.utils import timezone

    from notifications.models import Notification
    from notifications.services import outbox
    from notifications.tasks import BATCH_SIZE

    ids = list(
        Notification.objects.filter(group=group)
        .order_by("pk")
        .values_list("pk", flat=True)[:sample]
    )
    Notification.objects.filter(pk__in=ids).update(
        status=Notification.Status.PENDING,
        attempts=0,
        claimed_at=None,
        sent_at=None,
        next_attempt_at=timezone.now(),
    )
    profiler = SendProfiler()
    profiler.wrap(outbox, "notifications_claim", "claim (Python around its SQL)")
    profiler.wrap(EmailMessage, "message", "build the MIME message (Django)")
    profiler.wrap(SafeMIMEMultipart, "as_bytes", "build the MIME message (Django)")
    profiler.wrap(SafeMIMEText, "as_bytes", "build the MIME message (Django)")
    profiler.wrap(smtplib.SMTP, "sendmail", "SMTP: MAIL, RCPT, DATA round trips")
    profiler.wrap(EmailBackend, "open", "SMTP: connect, EHLO")
    profiler.wrap(EmailBackend, "close", "SMTP: QUIT")
    commit = connection.commit

    def timed_commit() -> None:
        with profiler.region("SQL: COMMIT of the claim"):
            commit()

    connection.commit = timed_commit
    sent = 0
    with connection.execute_wrapper(profiler.execute), profiler.region("other (Python)"):
        started = time.perf_counter()
        while batch := outbox.notifications_send_due(limit=BATCH_SIZE):
            sent += batch
        total = time.perf_counter() - started
    us_per_email = {
        bucket: round(1e6 * seconds / sent, 1)
        for bucket, seconds in sorted(profiler.seconds.items(), key=lambda item: -item[1])
    }
    # For comparison: the same messages built as the baseline builds them (standard library).
    rows = Notification.objects.filter(pk__in=ids).values_list(
        "dedupe_key", "to_email", "subject", "body_text", "body_html"
    )
    started = time.perf_counter()
    for row in rows:
        plain_message(*row)
    plain_build_us = 1e6 * (time.perf_counter() - started) / len(ids)
    return {
        "sent": sent,
        "seconds": round(total, 3),
        "us_per_email": us_per_email,
        "plain_loop_build_us_per_email": round(plain_build_us, 1),
    }


def child_main(args: argparse.Namespace) -> int:
    if args.child == "baseline":
        result = baseline_send(args.group, args.port, args.db)
    else:
        django_setup()
        if args.child == "fanout":
            result = child_fanout(args.campaign)
        elif args.child == "kick":
            result = child_kick(args.tasks, args.expect)
        else:
            result = child_profile(args.group, args.sample)
    print(json.dumps(result), flush=True)
    return 0


# --- The baseline: a plain smtplib loop --------------------------------------------------

# As Django sends text: 8bit (not the standard library's base64), quoted-printable for
# a part with a line longer than SMTP allows.
UTF8_8BIT = Charset("utf-8")
UTF8_8BIT.body_encoding = None
UTF8_QP = Charset("utf-8")
UTF8_QP.body_encoding = QP
SMTP_POLICY = compat32.clone(linesep="\r\n")
LINE_MAX = 998


def plain_message_id(dedupe_key: str) -> str:
    """The outbox's Message-ID for a dedupe key (notifications.services.outbox.message_id)."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]
    return f"<{digest}@{urlsplit(SITE_URL).hostname}>"


def _text_part(text: str, subtype: str) -> MIMEText:
    long_line = any(len(line) > LINE_MAX for line in text.splitlines())
    return MIMEText(text, subtype, UTF8_QP if long_line else UTF8_8BIT)


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def plain_message(dedupe_key: str, to: str, subject: str, text: str, html: str) -> bytes:
    """The outbox row's email, built with the standard library alone."""
    message = MIMEMultipart("alternative")
    message["Subject"] = _header(subject)
    message["From"] = FROM_HEADER
    message["To"] = to
    message["Date"] = formatdate()
    message["Message-ID"] = plain_message_id(dedupe_key)
    message.attach(_text_part(text, "plain"))
    if html:
        message.attach(_text_part(html, "html"))
    return message.as_bytes(policy=SMTP_POLICY)


def baseline_send(group: str, port: int, db_name: str) -> dict[str, Any]:
    """Send the campaign's rows with a plain smtplib loop over one connection; no Django."""
    sent = 0
    cpu_before = process_cpu_seconds()
    # Streamed (a server-side cursor), as a sender of a million rows would.
    with psycopg.connect(database_dsn(db_name)) as conn, conn.cursor(name="outbox") as rows:
        rows.itersize = 2000
        rows.execute(
            "SELECT dedupe_key, to_email, subject, body_text, body_html "
            'FROM notifications_notification WHERE "group" = %s ORDER BY id',
            [group],
        )
        smtp = smtplib.SMTP(HOST, port)
        try:
            for key, to, subject, text, html in rows:
                smtp.sendmail(FROM_ADDRESS, [to], plain_message(key, to, subject, text, html))
                sent += 1
        finally:
            smtp.quit()
    return {"sent": sent, "cpu_s": process_cpu_seconds() - cpu_before}


# --- Parent: the runs --------------------------------------------------------------------


@dataclass
class RunResult:
    """One measured run: who sent, how many, how fast at the sink, and the CPU it took."""

    sender: str
    emails: int
    duplicates: int
    seconds: float
    emails_per_s: float
    # CPU per email of the sending processes (the loop, or the workers) and of the sink.
    sender_cpu_us: float
    sink_cpu_us: float

    @classmethod
    def from_stats(cls, sender: str, stats: SinkStats, sender_cpu_s: float) -> RunResult:
        return cls(
            sender=sender,
            emails=stats.count,
            duplicates=stats.duplicates,
            seconds=round(stats.seconds, 2),
            emails_per_s=round(stats.rate, 1),
            sender_cpu_us=round(1e6 * sender_cpu_s / stats.count),
            sink_cpu_us=round(1e6 * stats.cpu / stats.count),
        )

    def describe(self) -> str:
        return (
            f"{self.sender:<12} {self.emails_per_s:8,.0f} emails/s  {self.emails:,} emails in "
            f"{self.seconds:.1f} s, {self.duplicates} duplicates; CPU per email: "
            f"sender {self.sender_cpu_us} µs, sink {self.sink_cpu_us} µs"
        )


def outbox_rewind(group: str) -> None:
    """The campaign's rows pending again, as after the fan-out; no dead rows left to scan."""
    dsn = database_dsn(DB_NAME)
    admin_execute(
        sql.SQL(
            "UPDATE notifications_notification SET status = 'pending', attempts = 0, "
            "last_error = '', claimed_at = NULL, sent_at = NULL, next_attempt_at = created_at "
            'WHERE "group" = {}'
        ).format(sql.Literal(group)),
        "VACUUM ANALYZE notifications_notification",
        dsn=dsn,
    )


def run_baseline(sink: Sink, group: str, recipients: int) -> RunResult:
    sink.reset()
    done = run_child(
        Path(__file__).resolve(),
        clean_env(),
        "--child", "baseline", "--group", group, "--port", str(sink.port), "--db", DB_NAME,
    )  # fmt: skip
    stats = sink.stats()
    if stats.unique != recipients:
        raise RuntimeError(f"the baseline sent {stats.unique:,} of {recipients:,} emails")
    return RunResult.from_stats("plain loop", stats, done["cpu_s"])


def run_workers(
    env: dict[str, str], sink: Sink, group: str, recipients: int, count: int, pool: str, log: Path
) -> RunResult:
    script = Path(__file__).resolve()
    outbox_rewind(group)
    flush_redis(BROKER_URL)
    with log.open("a") as log_file, Workers(env, count, pool, log_file, "fanout") as workers:
        run_child(script, env, "--child", "kick", "--tasks", "0", "--expect", str(count))
        cpu_before = workers.cpu_seconds()  # once started: start-up is not sending
        sink.reset()
        # One task per worker: each sends a batch and queues the next while mail is due.
        run_child(script, env, "--child", "kick", "--tasks", str(count), "--expect", "0")
        stats = wait_for_messages(sink, recipients, alive=workers.check_alive)
        wait_for_outbox_sent(DB_NAME, group, recipients)
        stats = sink.stats()
        cpu = workers.cpu_seconds() - cpu_before
    label = f"{count} worker" + ("s" if count > 1 else "")
    return RunResult.from_stats(label, stats, cpu)


def summarise(
    recipients: int,
    pool: str,
    setup: dict[str, Any],
    fanout: dict[str, Any],
    baselines: list[RunResult],
    runs: dict[int, RunResult],
    profile: dict[str, Any],
    load_before: float,
) -> dict[str, Any]:
    def million_minutes(rate: float) -> float | None:
        return round(MILLION / rate / 60, 1) if rate else None

    # The plain loop runs before and after the workers; their mean evens out load drift.
    baseline_rate = sum(b.emails_per_s for b in baselines) / len(baselines)
    workers = {}
    for count, run in runs.items():
        ratio = run.emails_per_s / baseline_rate if baseline_rate else 0.0
        workers[str(count)] = {
            "emails_per_s": run.emails_per_s,
            "ratio_to_baseline": round(ratio, 2),
            "million_minutes": million_minutes(run.emails_per_s),
            "seconds": run.seconds,
            "duplicates": run.duplicates,
            "worker_cpu_us_per_email": run.sender_cpu_us,
            "sink_cpu_us_per_email": run.sink_cpu_us,
            "meets_target": ratio >= RATIO_MIN,
        }
    fanout_rate = recipients / fanout["fanout_s"] if fanout["fanout_s"] else 0.0
    return {
        "recipients": recipients,
        "pool": pool,
        "baseline_emails_per_s": round(baseline_rate, 1),
        "baseline_runs_emails_per_s": [b.emails_per_s for b in baselines],
        "baseline_million_minutes": million_minutes(baseline_rate),
        "baseline_cpu_us_per_email": round(
            sum(b.sender_cpu_us for b in baselines) / len(baselines)
        ),
        "workers": workers,
        "duplicates": sum(run.duplicates for run in [*runs.values(), *baselines]),
        "fanout_rows_per_s": round(fanout_rate),
        "fanout_million_minutes": million_minutes(fanout_rate),
        "import_seconds": setup["import_s"],
        "profile_one_worker_in_process": profile,
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "target": {"ratio_to_baseline_min": RATIO_MIN, "applies_to": "every worker count"},
        "meets_target": all(w["meets_target"] for w in workers.values()),
    }


def run(recipients: int, worker_counts: list[int], pool: str) -> dict[str, Any]:
    # Other work on this machine takes CPU from the workers, PostgreSQL and the sink.
    load = warn_if_busy("noisy")
    script = Path(__file__).resolve()
    with tempfile.TemporaryDirectory(prefix="candor-bench-fanout-") as work_dir:
        work = Path(work_dir)
        csv_path = work / "affected-people.csv"
        write_recipients_csv(csv_path, recipients, random.Random(SEED))
        log = work / "workers.log"
        with Sink() as sink:
            env = campaign_env(db_name=DB_NAME, smtp_port=sink.port, media_root=work / "media")
            say(f"SMTP sink on {HOST}:{sink.port}; database {DB_NAME}: recreating, migrating")
            with campaign_database(env, DB_NAME, csv_path) as setup:
                if setup["imported"] != recipients:
                    raise RuntimeError(f"imported {setup['imported']:,} of {recipients:,}")
                say(f"{recipients:,} affected people imported in {setup['import_s']:.1f} s")
                group = setup["group"]
                fanout = run_child(
                    script, env, "--child", "fanout", "--campaign", str(setup["campaign_id"])
                )
                if fanout["queued"] != recipients:
                    raise RuntimeError(f"fan-out queued {fanout['queued']:,} of {recipients:,}")
                say(
                    f"fan-out: {recipients:,} outbox rows in {fanout['fanout_s']:.1f} s "
                    f"({recipients / fanout['fanout_s']:,.0f} rows/s)"
                )

                say("baseline: the same messages, a plain smtplib loop over one connection")
                baselines = [run_baseline(sink, group, recipients)]
                say(baselines[0].describe())
                runs: dict[int, RunResult] = {}
                for count in worker_counts:
                    say(f"outbox: {count} Celery worker process(es), pool {pool}")
                    runs[count] = run_workers(env, sink, group, recipients, count, pool, log)
                    say(runs[count].describe())
                say("baseline again, to even out any change in load")
                baselines.append(run_baseline(sink, group, recipients))
                say(baselines[1].describe())

                sample = min(recipients, PROFILE_SAMPLE)
                say(f"profile: {sample:,} rows sent again by one worker's code, in-process")
                sink.reset()
                profile = run_child(
                    script, env, "--child", "profile", "--group", group, "--sample", str(sample)
                )
                for bucket, us in profile["us_per_email"].items():
                    say(f"  {bucket:<44} {us:8.1f} µs/email")
                plain_build = profile["plain_loop_build_us_per_email"]
                say(f"  (the plain loop builds the same message in {plain_build:.1f} µs)")
    return summarise(recipients, pool, setup, fanout, baselines, runs, profile, load)


# --- Main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--recipients",
        type=int,
        default=DEFAULT_RECIPIENTS,
        help=f"affected people, one email each (default {DEFAULT_RECIPIENTS:,})",
    )
    parser.add_argument(
        "--workers",
        default="1,2",
        help="worker process counts to measure, comma-separated (default 1,2)",
    )
    parser.add_argument(
        "--pool",
        choices=["prefork", "solo"],
        default="prefork",
        help="Celery pool of each worker process (concurrency 1; default prefork)",
    )
    # The parent runs this same file as its child processes.
    parser.add_argument(
        "--child",
        choices=["fanout", "kick", "baseline", "profile"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--campaign", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--group", help=argparse.SUPPRESS)
    parser.add_argument("--db", default=DB_NAME, help=argparse.SUPPRESS)
    parser.add_argument("--tasks", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.recipients < 1:
        parser.error("--recipients must be at least 1")
    try:
        args.worker_counts = [int(n) for n in args.workers.split(",") if n.strip()]
    except ValueError:
        parser.error("--workers takes counts such as 1,2")
    if not args.worker_counts or min(args.worker_counts) < 1:
        parser.error("--workers takes counts of at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    summary = run(args.recipients, args.worker_counts, args.pool)
    rates = ", ".join(
        f"{count} worker(s) {w['emails_per_s']:,.0f}/s ({w['ratio_to_baseline']:.2f}x)"
        for count, w in summary["workers"].items()
    )
    verdict = (
        f"outbox {rates}; plain loop {summary['baseline_emails_per_s']:,.0f}/s "
        f"(target >= {RATIO_MIN:g}x); duplicates {summary['duplicates']}; "
        f"meets target: {summary['meets_target']}"
    )
    finish(RESULTS_FILE, summary, verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
