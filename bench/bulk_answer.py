"""
Benchmark of a bulk answer: one reply to thousands of questions, as on the day a breach
makes everyone ask "Is my card affected?".

The agent chooses the questions in the inbox; the request only records them (one row per
question, `support.services.bulk_answer_draft`), and a Celery worker writes the answers:
each question's message, its status, its audit event and its email in the outbox, a
chunk per transaction (`bulk_answer_deliver`). This script measures both on this machine:

1. creates a fresh PostgreSQL database (`candor_bench_bulk`), migrates it and, in a
   child process (debug off, random keys), creates N questions (default 5,000; half
   asked in Spanish) and an agent;
2. times the draft of a bulk answer to all of them (what the admin action's request
   does), then its delivery (what the worker does), in the same child, checking that
   every asker has exactly one email in the outbox, in their language;
3. runs the delivery again and checks that it answers nobody twice;
4. drops the database, also when something fails.

Sending the emails is the outbox's work, measured by bench/fanout.py.

Usage, from the repository root:

    .venv/bin/python bench/bulk_answer.py [--questions N]

Human-readable lines come first; the last line printed is one JSON object, which is
also written to bench/results/bulk_answer.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from common import (
    RESULTS_DIR,
    app_env,
    django_setup,
    drop_database,
    finish,
    load_average,
    manage,
    recreate_database,
    run_child,
    say,
    warn_if_busy,
)

RESULTS_FILE = RESULTS_DIR / "bulk_answer.json"
DB_NAME = "candor_bench_bulk"
DEFAULT_QUESTIONS = 5_000


def child_run(questions: int) -> dict[str, Any]:
    import json

    from celery import current_app
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from notifications.models import Notification
    from support import services
    from support.models import BulkAnswer, Message, Ticket

    # Sending is the outbox's work (bench/fanout.py): the kicks for it are dropped here.
    current_app.tasks["notifications.tasks.notifications_send"].delay = lambda *args: None
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            reference=f"B-{n:08d}",
            requester_email=f"asker{n}@example.com",
            language="es" if n % 2 else "en",
            subject="Is my card affected?",
            category="affected",
            first_response_due_at=now,
            created_at=now,
        )
        for n in range(questions)
    )
    agent = get_user_model().objects.create_user("agent@example.com", None, is_staff=True)

    started = time.perf_counter()
    bulk = services.bulk_answer_draft(tickets=Ticket.objects.all(), agent=agent)
    draft_s = time.perf_counter() - started
    BulkAnswer.objects.filter(pk=bulk.pk).update(
        body_en="Hello {name}, card numbers were not in the data ({reference}).",
        body_es="Hola {name}: los números de tarjeta no estaban en los datos ({reference}).",
        state=BulkAnswer.State.SENDING,
    )
    bulk.refresh_from_db()
    started = time.perf_counter()
    answered = services.bulk_answer_deliver(bulk=bulk)
    deliver_s = time.perf_counter() - started
    again = services.bulk_answer_deliver(bulk=bulk)

    emails = Notification.objects.filter(group=bulk.group)
    spanish = emails.filter(subject__startswith="Una respuesta").count()
    result = {
        "answered": answered,
        "answered_again": again,
        "emails": emails.count(),
        "emails_in_spanish": spanish,
        "distinct_recipients": emails.values("to_email").distinct().count(),
        "answers": Message.objects.filter(author_kind="agent").count(),
        "draft_s": round(draft_s, 3),
        "deliver_s": round(deliver_s, 3),
    }
    print(json.dumps(result), flush=True)
    return result


def run(questions: int) -> dict[str, Any]:
    load = warn_if_busy("noisy")
    env = app_env(DB_NAME)
    say(f"database {DB_NAME}: recreating, migrating")
    recreate_database(DB_NAME)
    try:
        manage(env, "migrate", "--noinput")
        say(f"{questions:,} questions; drafting and delivering one bulk answer to all")
        done = run_child(Path(__file__).resolve(), env, "--child", "--questions", str(questions))
    finally:
        drop_database(DB_NAME)
    ok = (
        done["answered"] == questions
        and done["answered_again"] == 0
        and done["emails"] == done["distinct_recipients"] == done["answers"] == questions
        and done["emails_in_spanish"] == questions // 2
    )
    return done | {
        "questions": questions,
        "draft_questions_per_s": round(questions / done["draft_s"]) if done["draft_s"] else None,
        "deliver_questions_per_s": round(questions / done["deliver_s"]),
        "each_asker_once_in_their_language": ok,
        "cpus": os.cpu_count(),
        "load_average_before": load,
        "load_average_after": load_average(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--questions", type=int, default=DEFAULT_QUESTIONS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        django_setup()
        child_run(args.questions)
        return 0
    summary = run(args.questions)
    verdict = (
        f"draft {summary['draft_s']} s (the request), delivery {summary['deliver_s']} s "
        f"({summary['deliver_questions_per_s']:,} questions/s, the worker); run again: "
        f"{summary['answered_again']} answered; each asker once in their language: "
        f"{summary['each_asker_once_in_their_language']}"
    )
    finish(RESULTS_FILE, summary, verdict)
    return 0 if summary["each_asker_once_in_their_language"] else 1


if __name__ == "__main__":
    sys.exit(main())
