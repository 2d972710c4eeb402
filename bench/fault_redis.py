"""
Fault test: with Redis down, questions and subscriptions are taken, and mailed once it is back.

Redis is Candor's cache, rate-limit store and Celery broker. Losing it must not
lose a customer's question or subscription: both are saved in PostgreSQL with
their email in the outbox, and the email goes out when a worker can be asked
again (`delay_or_defer`, then the sweep that Celery beat runs every minute).
This script checks that with real processes, on this machine:

1. starts the SMTP sink of `bench/common.py`, a Redis server of its own on a
   free port (the machine's shared Redis is never stopped), a fresh PostgreSQL
   database (`candor_bench_fault_redis`) with the demo (`seed_demo`); gunicorn
   (debug off, Redis as cache and broker, email to the sink) and one Celery
   worker;
2. stops Redis, then, as a browser does (GET the form for its CSRF cookie and
   token, POST it): asks a support question and subscribes to updates; also
   reads the public pages and /healthz;
3. checks that both posts were accepted (a redirect, not an error), that the
   question, the subscription and their two emails are stored, and that no
   email went out while Redis was down;
4. starts Redis again (empty, as after a crash), runs the sweep once as beat
   would, and waits until both emails are at the sink;
5. stops everything it started and drops the database, also when something fails.

Usage, from the repository root:

    .venv/bin/python bench/fault_redis.py [--down-seconds N]

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/fault_redis.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common
import psycopg
from common import HOST, PrivateRedis, Sink, Workers, say

RESULTS_FILE = common.RESULTS_DIR / "fault_redis.json"
DB_NAME = "candor_bench_fault_redis"
ASKER = "asker.during.outage@example.org"
SUBSCRIBER = "subscriber.during.outage@example.org"
MAIL_TIMEOUT_S = 90.0


def status_of(port: int, path: str) -> str:
    try:
        status, _, _ = common.request(port, path)
        return str(status)
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__


def health(port: int) -> dict[str, Any]:
    status, _, body = common.request(port, "/healthz")
    return {**json.loads(body), "http": status}


def stored(db_name: str) -> dict[str, Any]:
    """What PostgreSQL holds for the question and the subscription made during the outage."""
    with psycopg.connect(common.database_dsn(db_name)) as conn:
        tickets = conn.execute(
            "SELECT count(*) FROM support_ticket WHERE requester_email = %s", [ASKER]
        ).fetchone()[0]
        subscriptions = conn.execute(
            "SELECT count(*) FROM notifications_subscription WHERE email = %s", [SUBSCRIBER]
        ).fetchone()[0]
        outbox = conn.execute(
            "SELECT to_email, status FROM notifications_notification WHERE to_email IN (%s, %s)",
            [ASKER, SUBSCRIBER],
        ).fetchall()
    return {
        "tickets": tickets,
        "subscriptions": subscriptions,
        "outbox": sorted(f"{to}:{status}" for to, status in outbox),
    }


def mail_to(sink: Sink) -> dict[str, int]:
    ids_by_recipient, _ = common.deliveries(sink.messages(), {ASKER, SUBSCRIBER})
    return {email: len(ids_by_recipient.get(email, [])) for email in (ASKER, SUBSCRIBER)}


def during_outage(port: int, paths: dict[str, str], db_name: str) -> dict[str, Any]:
    """Reads and the two form posts while Redis is down."""
    pages = {name: status_of(port, paths[name]) for name in ("home", "incident", "api")}
    outage: dict[str, Any] = {"pages": pages, "healthz": health(port)}
    try:
        outage["question_post"] = common.post_form(
            port,
            paths["ask"],
            {
                "email": ASKER,
                "name": "Outage Tester",
                "subject": "Was my card number involved?",
                "category": "affected",
                "incident": "",
                "body": "I asked while your cache was down. Please answer by email.",
            },
        )
    except (OSError, http.client.HTTPException, RuntimeError) as error:
        outage["question_post"] = str(error)
    try:
        outage["subscribe_post"] = common.post_form(
            port, paths["subscribe"], {"email": SUBSCRIBER, "incident": ""}
        )
    except (OSError, http.client.HTTPException, RuntimeError) as error:
        outage["subscribe_post"] = str(error)
    outage["stored"] = stored(db_name)
    return outage


def wait_for_mail(sink: Sink, workers: Workers) -> dict[str, int]:
    deadline = time.monotonic() + MAIL_TIMEOUT_S
    while True:
        counts = mail_to(sink)
        if all(counts.values()) or time.monotonic() > deadline:
            return counts
        workers.check_alive()
        time.sleep(0.5)


def run(down_seconds: float) -> dict[str, Any]:
    summary: dict[str, Any] = {"down_seconds": down_seconds}
    with (
        tempfile.TemporaryDirectory(prefix="candor-bench-fault-redis-") as work_dir,
        Sink() as sink,
        PrivateRedis() as private_redis,
    ):
        work = Path(work_dir)
        env = common.site_env(
            DB_NAME,
            REDIS_URL=private_redis.url(1),
            CELERY_BROKER_URL=private_redis.url(0),
            EMAIL_URL=f"smtp://{HOST}:{sink.port}",
            DJANGO_MEDIA_ROOT=str(work / "media"),
        )
        say(f"Redis of our own on port {private_redis.port}; SMTP sink on port {sink.port}")
        say(f"database {DB_NAME}: recreating, migrating, loading the demo")
        common.recreate_database(DB_NAME)
        try:
            common.demo_site_prepare(env)
            with (
                (work / "server.log").open("w+") as log,
                Workers(env, 1, "prefork", log, "fault-redis") as workers,
                common.serving(env, 2, log) as port,
            ):
                paths = {n: common.follow(port, path) for n, path in common.DEMO_PATHS.items()}
                paths["ask"] = common.follow(port, "/support/new/")
                paths["subscribe"] = common.follow(port, "/subscribe/")
                summary["before"] = {"healthz": health(port)}
                private_redis.stop()
                say("Redis stopped")
                outage = during_outage(port, paths, DB_NAME)
                say(f"while Redis is down: {outage}")
                time.sleep(max(0.0, down_seconds - 1))
                outage["mail_during_outage"] = mail_to(sink)
                summary["during"] = outage
                private_redis.start()
                say("Redis started again (empty); running the sweep as beat would")
                started = time.monotonic()
                due = common.outbox_sweep(env)
                # Nothing stored, nothing to wait for.
                received = wait_for_mail(sink, workers) if outage["stored"]["outbox"] else {}
                summary["after"] = {
                    "sweep_due": due,
                    "mail": received,
                    "mail_seconds_after_restart": round(time.monotonic() - started, 1),
                    "pages": {n: status_of(port, paths[n]) for n in ("home", "incident", "api")},
                    "healthz": health(port),
                    "stored": stored(DB_NAME),
                }
                say(f"after Redis returned: {summary['after']}")
                errors = common.logged_errors(log)
                summary["server_error_lines"] = len(errors)
                if errors:
                    say("errors logged (first lines):\n" + "\n".join(errors[:10]))
        finally:
            with contextlib.suppress(Exception):
                common.drop_database(DB_NAME)
    summary["ok"] = judge(summary)
    return summary


def judge(summary: dict[str, Any]) -> bool:
    during, after = summary["during"], summary["after"]
    return (
        during["question_post"] == 302
        and during["subscribe_post"] == 302
        and all(status == "200" for status in during["pages"].values())
        and during["healthz"]["http"] == 200
        and during["stored"]["tickets"] == 1
        and during["stored"]["subscriptions"] == 1
        and len(during["stored"]["outbox"]) == 2
        and not any(during["mail_during_outage"].values())
        and after["mail"] == {ASKER: 1, SUBSCRIBER: 1}
        and all(status == "200" for status in after["pages"].values())
        and after["healthz"]["broker"] == "ok"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--down-seconds",
        type=float,
        default=10.0,
        help="how long Redis stays down (default 10; the posts come first)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, common.exit_on_sigterm)
    summary = run(args.down_seconds)
    during, after = summary["during"], summary["after"]
    verdict = (
        f"with Redis down: question {during['question_post']}, subscription "
        f"{during['subscribe_post']}, pages {during['pages']}, /healthz "
        f"{during['healthz']['http']}; emails after it returned: {after['mail']}; "
        f"ok: {summary['ok']}"
    )
    common.finish(RESULTS_FILE, summary, verdict)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
