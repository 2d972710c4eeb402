"""
Benchmark of questions by email: the support mailbox's intake into tickets.

On the day of a breach the support address gets thousands of emails an hour; the
intake (support/mailbox.py, run by Celery beat) must keep up, so that every one is a
question in the inbox, acknowledged, within a minute or two. This script measures,
on this machine:

1. starts a Dovecot of its own (tests/dovecot.py: a throw-away user, a maildir in a
   temporary folder) and delivers N emails (default 10,000) with IMAP APPEND, as real
   MIME: most are plain questions from distinct addresses, some HTML-only, some with
   a small attachment, some sent again from the same address within the hour (no
   second acknowledgement), and some from robots (auto-replies, bulk mail: recorded,
   never answered);
2. creates a fresh PostgreSQL database (`candor_bench_imap_intake`), migrates it, and
   starts a Redis of its own as the broker (the send tasks each commit queues go
   there; no worker consumes them: sending is the outbox's bench, fanout.py);
3. in a child process (a production environment: debug off, random keys) runs the
   poll the beat schedule runs, `support.mailbox.mailbox_poll`, until the mailbox
   has no unread mail, and times it: emails taken in per second, from the first
   IMAP command to the last commit;
4. checks the outcome: one InboundEmail per email, a ticket per human email, no
   duplicate, an acknowledgement per address, none to robots;
5. drops the database and stops Dovecot and Redis, also when something fails.

Usage, from the repository root:

    .venv/bin/python bench/imap_intake.py [--messages N]

Human-readable lines come first; the last line printed is one JSON object, which is
also written to bench/results/imap_intake.json.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from common import (
    REPO,
    RESULTS_DIR,
    PrivateRedis,
    app_env,
    django_setup,
    drop_database,
    exit_on_sigterm,
    finish,
    load_average,
    manage,
    recreate_database,
    run_child,
    say,
    warn_if_busy,
)

SCRIPT = Path(__file__).resolve()
RESULTS_FILE = RESULTS_DIR / "imap_intake.json"
DB_NAME = "candor_bench_imap_intake"
SEED = 20261206
MESSAGES_PER_S_MIN = 100
# Of the emails delivered: robots, repeat senders, HTML-only, with an attachment.
ROBOT_SHARE = 0.05
REPEAT_SHARE = 0.10
HTML_SHARE = 0.10
ATTACHMENT_SHARE = 0.05


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--child", choices=["intake"])
    parser.add_argument("--expect", type=str, default="{}")
    return parser.parse_args(argv)


# --- The mail ----------------------------------------------------------------------------


def build_mail(n: int, rng: random.Random, senders: list[str]) -> tuple[bytes, str]:
    """Email number n, and what it is: "human", "repeat" or "robot"."""
    message = EmailMessage()
    roll = rng.random()
    kind = "human"
    if roll < ROBOT_SHARE:
        kind = "robot"
        sender = f"noreply{n}@robots.example"
        message["Auto-Submitted"] = "auto-replied"
    elif roll < ROBOT_SHARE + REPEAT_SHARE and senders:
        kind = "repeat"
        sender = rng.choice(senders)
    else:
        sender = f"customer{n}@example.net"
        senders.append(sender)
    message["From"] = f"Customer {n} <{sender}>"
    message["To"] = "help@example.com"
    message["Subject"] = f"Question {n}: was my card in the breach?"
    message["Date"] = formatdate()
    message["Message-ID"] = f"<bench-{n}@example.net>"
    text = f"Hello,\n\nI read about the breach. Question {n}: is my card safe?\n\nThanks\n" * 3
    if rng.random() < HTML_SHARE:
        message.set_content(f"<p>{text.replace(chr(10), '<br>')}</p>", subtype="html")
    else:
        message.set_content(text)
    if rng.random() < ATTACHMENT_SHARE:
        message.add_attachment(
            b"%PDF-1.4 " + rng.randbytes(20_000),
            maintype="application",
            subtype="pdf",
            filename="statement.pdf",
        )
    return message.as_bytes(), kind


def deliver(server, count: int) -> dict[str, int]:
    rng = random.Random(SEED)
    senders: list[str] = []
    kinds = {"human": 0, "repeat": 0, "robot": 0}
    imap = server.connect()
    try:
        for n in range(count):
            raw, kind = build_mail(n, rng, senders)
            status, data = imap.append("INBOX", None, None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND refused: {data}")
            kinds[kind] += 1
    finally:
        imap.logout()
    kinds["addresses"] = len(senders)
    return kinds


# --- The child: the intake, timed --------------------------------------------------------


def child_intake(expect: dict[str, int]) -> dict[str, Any]:
    django_setup()
    from django.db.models import Count

    from notifications.models import Notification
    from support.mailbox import mailbox_poll
    from support.models import Channel, InboundEmail, Message, Ticket

    polls = seen = taken = 0
    started = time.perf_counter()
    while True:
        result = mailbox_poll()
        polls += 1
        seen += result.seen
        taken += result.taken_in
        if result.seen == 0:
            break
    seconds = time.perf_counter() - started
    duplicates = (
        Message.objects.exclude(mail_id="")
        .values("mail_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    acks = Notification.objects.filter(kind="support-acknowledgement")
    return {
        "seconds": round(seconds, 2),
        "polls": polls,
        "seen": seen,
        "taken_in": taken,
        "inbound": InboundEmail.objects.count(),
        "tickets": Ticket.objects.filter(channel=Channel.EMAIL).count(),
        "robots_recorded": InboundEmail.objects.filter(outcome="automated").count(),
        "acknowledgements": acks.count(),
        "acknowledgement_addresses": acks.values("to_email").distinct().count(),
        "acknowledgements_to_robots": acks.filter(to_email__endswith="@robots.example").count(),
        "duplicate_messages": duplicates,
        "expected": expect,
    }


# --- Main --------------------------------------------------------------------------------


def run(count: int) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from tests.dovecot import Dovecot, dovecot_available

    if not dovecot_available():
        raise SystemExit("Dovecot is not installed: apt-get install dovecot-imapd")
    load = warn_if_busy("low")
    server = Dovecot().start()
    redis_server = PrivateRedis()
    try:
        started = time.perf_counter()
        kinds = deliver(server, count)
        say(f"{count:,} emails delivered to Dovecot in {time.perf_counter() - started:.1f} s: "
            f"{kinds}")  # fmt: skip
        say(f"database {DB_NAME}: recreating, migrating")
        recreate_database(DB_NAME)
        env = app_env(
            DB_NAME,
            CELERY_BROKER_URL=redis_server.url(0),
            REDIS_URL=redis_server.url(1),
            SUPPORT_IMAP_HOST=server.host,
            SUPPORT_IMAP_PORT=str(server.port),
            SUPPORT_IMAP_TLS="false",
            SUPPORT_IMAP_USER=server.user,
            SUPPORT_IMAP_PASSWORD=server.password,
        )
        try:
            manage(env, "migrate", "--noinput")
            say("intake: polling until the mailbox has no unread mail")
            data = run_child(SCRIPT, env, "--child", "intake", "--expect", json.dumps(kinds))
        finally:
            drop_database(DB_NAME)
        unread_after = server.unread()
    finally:
        redis_server.close()
        server.stop()
    return summarise(count, kinds, data, unread_after, load)


def summarise(
    count: int, kinds: dict[str, int], data: dict[str, Any], unread: int, load: float
) -> dict[str, Any]:
    rate = data["seen"] / data["seconds"] if data["seconds"] else 0.0
    humans = kinds["human"] + kinds["repeat"]
    correct = (
        data["inbound"] == count
        and data["tickets"] == humans
        and data["robots_recorded"] == kinds["robot"]
        and data["acknowledgement_addresses"] == data["acknowledgements"] == kinds["addresses"]
        and data["acknowledgements_to_robots"] == 0
        and data["duplicate_messages"] == 0
        and unread == 0
    )
    return {
        "messages": count,
        "messages_per_s": round(rate, 1),
        "seconds": data["seconds"],
        "polls": data["polls"],
        "tickets": data["tickets"],
        "robots_recorded": data["robots_recorded"],
        "acknowledgements": data["acknowledgements"],
        "duplicate_messages": data["duplicate_messages"],
        "unread_after": unread,
        "delivered": kinds,
        "correct": correct,
        "load_average_before": load,
        "load_average_after": load_average(),
        "targets": {"messages_per_s_min": MESSAGES_PER_S_MIN},
        "meets_targets": correct and rate >= MESSAGES_PER_S_MIN,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child_intake(json.loads(args.expect))), flush=True)
        return 0
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    summary = run(args.messages)
    verdict = (
        f"{summary['messages']:,} emails into {summary['tickets']:,} questions at "
        f"{summary['messages_per_s']:,} emails/s (target >= {MESSAGES_PER_S_MIN}); "
        f"correct: {summary['correct']}; meets targets: {summary['meets_targets']}"
    )
    finish(RESULTS_FILE, summary, verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
