"""
Fault test: PostgreSQL stopped for ten seconds under load; cached pages stay up, all recovers.

Anonymous readers get the public pages whole from the page cache (Redis and each
process's memory), so a database outage should not reach them; /healthz must say
503 so that a load balancer knows; and when the database is back, everything
must work again without restarting the app. This script checks that with real
processes, on this machine:

1. starts a PostgreSQL cluster of its own on a free port (the machine's shared
   server is never stopped), creates `candor_bench_fault_pg` there with the demo
   (`seed_demo`) and one signed-in customer; gunicorn (debug off, one sync worker
   per CPU, Redis as the shared cache, database 7, flushed first);
2. loads it from client threads in this process: 16 connections cycling through
   the home page, the incident page, the FAQ, the feed and the JSON API, one
   reading /me/ (needs the database) and one polling /healthz, every request
   logged with its time and status;
3. after `--before` seconds stops PostgreSQL (fast shutdown: sessions cut),
   keeps it down `--down-seconds` (default 10), starts it again and goes on
   loading for `--after` seconds;
4. reports per phase (before, during, after) each page's statuses, and when
   /healthz and /me/ answered 200 again; checks that gunicorn's workers are the
   same processes as before (nothing restarted);
5. stops everything it started, also when something fails.

Passes when: no public page fails in any phase; /healthz is 503 throughout the
outage (after a grace of one second) and 200 before and after; /me/ and
/healthz answer 200 again within 5 s of the restart and every request in the
last half of the after phase succeeds; the workers were not restarted.

Usage, from the repository root:

    .venv/bin/python bench/fault_postgres.py [--down-seconds N]

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/fault_postgres.json.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common
from common import HOST, PrivatePostgres, say

RESULTS_FILE = common.RESULTS_DIR / "fault_postgres.json"
DB_NAME = "candor_bench_fault_pg"
REDIS_URL = "redis://127.0.0.1:6379/7"
PUBLIC = ("home", "incident", "faq", "feed", "api")
CONNECTIONS = 16
HEALTH_POLL_S = 0.25
GRACE_S = 1.0
RECOVERY_MAX_S = 5.0


@dataclass
class Log:
    """Every request: (monotonic time it ended, page name, status or error name)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    entries: list[tuple[float, str, str]] = field(default_factory=list)

    def add(self, name: str, outcome: str) -> None:
        with self.lock:
            self.entries.append((time.monotonic(), name, outcome))


def _fetch(conn: http.client.HTTPConnection, path: str, cookie: str) -> str:
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    response.read()
    return str(response.status)


def _client(
    port: int,
    pages: list[tuple[str, str]],
    cookie: str,
    pause: float,
    stop: threading.Event,
    log: Log,
) -> None:
    """One connection, cycling through `pages`, reopened when closed or failed."""
    conn = None
    for name, path in itertools.cycle(pages):
        if stop.is_set():
            break
        if conn is None:
            conn = http.client.HTTPConnection(HOST, port, timeout=common.REQUEST_TIMEOUT_S)
        try:
            log.add(name, _fetch(conn, path, cookie))
        except (OSError, http.client.HTTPException) as error:
            log.add(name, type(error).__name__)
            conn.close()
            conn = None
        else:
            # gunicorn's sync workers close every connection after the response.
            conn.close()
            conn = None
        if pause:
            time.sleep(pause)
    if conn is not None:
        conn.close()


def worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def phase_summary(entries: list[tuple[float, str, str]], start: float, end: float) -> dict:
    counts: dict[str, Counter[str]] = {}
    for at, name, outcome in entries:
        if start <= at < end:
            counts.setdefault(name, Counter())[outcome] += 1
    return {name: dict(sorted(c.items())) for name, c in sorted(counts.items())}


def first_ok_after(entries: list[tuple[float, str, str]], name: str, after: float) -> float | None:
    for at, entry_name, outcome in entries:
        if entry_name == name and at >= after and outcome == "200":
            return round(at - after, 2)
    return None


def judge(summary: dict[str, Any], entries: list, marks: dict[str, float]) -> bool:
    stop, start, end = marks["stopped"], marks["started"], marks["end"]
    public_ok = all(outcome == "200" for _, name, outcome in entries if name in PUBLIC)
    healthz_down = all(
        outcome == "503"
        for at, name, outcome in entries
        if name == "healthz" and stop + GRACE_S <= at < start
    )
    healthz_up_before = all(
        outcome == "200" for at, name, outcome in entries if name == "healthz" and at < stop
    )
    settled = start + (end - start) / 2
    all_ok_late = all(outcome == "200" for at, _, outcome in entries if at >= settled)
    recovered = summary["recovery_seconds"]
    return (
        public_ok
        and healthz_down
        and healthz_up_before
        and all_ok_late
        and all(v is not None and v <= RECOVERY_MAX_S for v in recovered.values())
        and summary["workers_restarted"] == 0
    )


def run(before: float, down: float, after: float) -> dict[str, Any]:
    workers = os.cpu_count() or 1
    with (
        tempfile.TemporaryDirectory(prefix="candor-bench-fault-pg-") as work_dir,
        PrivatePostgres() as pg,
    ):
        work = Path(work_dir)
        env = common.site_env(
            DB_NAME, db_port=pg.port, REDIS_URL=REDIS_URL, DJANGO_MEDIA_ROOT=str(work / "media")
        )
        say(f"PostgreSQL of our own on port {pg.port}; database {DB_NAME} with the demo")
        common.recreate_database(DB_NAME, pg.port)
        common.flush_redis(REDIS_URL)
        try:
            common.demo_site_prepare(env)
            cookie = common.signed_in_sessions(env, 1)[0]
            with (work / "gunicorn.log").open("w+") as log_file:
                with common.serving_master(env, workers, log_file) as (port, proc):
                    paths = {n: common.follow(port, p) for n, p in common.DEMO_PATHS.items()}
                    paths["me"] = common.follow(port, "/me/", cookie=cookie)
                    pids_before = worker_pids(proc.pid)
                    log, stop = Log(), threading.Event()
                    public = [(name, paths[name]) for name in PUBLIC]
                    clients = [
                        (public[n % len(public) :] + public[: n % len(public)], "", 0.0)
                        for n in range(CONNECTIONS)
                    ]
                    clients.append(([("me", paths["me"])], cookie, 0.1))
                    clients.append(([("healthz", "/healthz")], "", HEALTH_POLL_S))
                    threads = [
                        threading.Thread(
                            target=_client, args=(port, pages, c, pause, stop, log), daemon=True
                        )
                        for pages, c, pause in clients
                    ]
                    marks = {"begin": time.monotonic()}
                    for thread in threads:
                        thread.start()
                    try:
                        say(f"{CONNECTIONS} readers, /me/ and /healthz polling; {before:.0f} s")
                        time.sleep(before)
                        marks["stopped"] = time.monotonic()
                        pg.stop()
                        say(f"PostgreSQL stopped for {down:.0f} s")
                        time.sleep(max(0.0, down - (time.monotonic() - marks["stopped"])))
                        pg.start()
                        marks["started"] = time.monotonic()
                        say(f"PostgreSQL started again; {after:.0f} s more")
                        time.sleep(after)
                    finally:
                        stop.set()
                        for thread in threads:
                            thread.join(timeout=common.REQUEST_TIMEOUT_S + 5)
                    marks["end"] = time.monotonic()
                    pids_after = worker_pids(proc.pid)
                server_errors = len(common.logged_errors(log_file))
        finally:
            common.drop_database(DB_NAME, pg.port)
            common.flush_redis(REDIS_URL)
    entries = sorted(log.entries)
    summary: dict[str, Any] = {
        "down_seconds": round(marks["started"] - marks["stopped"], 1),
        "phases": {
            "before": phase_summary(entries, marks["begin"], marks["stopped"]),
            "during": phase_summary(entries, marks["stopped"], marks["started"]),
            "after": phase_summary(entries, marks["started"], marks["end"] + 1),
        },
        "recovery_seconds": {
            name: first_ok_after(entries, name, marks["started"]) for name in ("healthz", "me")
        },
        "public_requests": sum(1 for _, name, _ in entries if name in PUBLIC),
        "public_failures": sum(1 for _, n, o in entries if n in PUBLIC and o != "200"),
        "workers_restarted": len(pids_before - pids_after),
        "server_error_lines": server_errors,
        "paths": paths,
    }
    summary["ok"] = judge(summary, entries, marks)
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--down-seconds", type=float, default=10.0, help="default 10")
    parser.add_argument("--before", type=float, default=5.0, help="seconds of load before")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of load after")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, common.exit_on_sigterm)
    summary = run(args.before, args.down_seconds, args.after)
    during = summary["phases"]["during"]
    verdict = (
        f"PostgreSQL down {summary['down_seconds']} s: public pages failed "
        f"{summary['public_failures']} of {summary['public_requests']} requests; /healthz "
        f"during {during.get('healthz')}; back to 200 after {summary['recovery_seconds']} s; "
        f"workers restarted {summary['workers_restarted']}; ok: {summary['ok']}"
    )
    common.finish(RESULTS_FILE, summary, verdict)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
