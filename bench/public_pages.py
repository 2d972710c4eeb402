"""
Load benchmark for Candor's public pages, measured against a static-file baseline.

On a news day almost all traffic is anonymous readers of one incident page and
the status API, and both are served whole from the shared page cache
(`core/public_pages.py`): a cached page should cost little more than a static
file. This script measures exactly that, end to end, on this machine:

1. creates a fresh PostgreSQL database (`candor_bench`), migrates it, loads the
   demo incident (`seed_demo`) and runs `collectstatic`;
2. serves the app as in production: gunicorn, one sync worker per CPU, debug
   off, manifest static files through whitenoise, and Redis as the cache that
   all workers share (its database is flushed first);
3. after one warm-up request to each URL (so the page cache is warm), loads
   each for a fixed time from a second process (`wrk`, or a bounded Python
   load generator when wrk is not available):
   - the incident page   /incidents/2026-11-customer-data-breach/
   - the status API      /api/v2/summary.json
   - the hashed CSS file (found in the page's <link rel="stylesheet">);
4. stops gunicorn and drops the database, also when something fails.

Absolute requests per second depend on the machine, and the load generator
shares its CPUs with the server, so the targets are ratios: each page's
throughput divided by the static file's throughput, measured in the same run
against the same server. The static file goes through the same gunicorn,
WSGI stack and middleware minus Django's URL routing and view, so the ratio
says how close a cached page comes to "free". The latency target (p99) applies
to every URL measured: with the page cache working, queueing for a worker, not
the work itself, should dominate.

Usage, from the repository root:

    .venv/bin/python bench/public_pages.py [--seconds N] [--rounds N]
        [--database NAME] [--redis-url URL]

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/public_pages.json.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import redis
from common import (
    HOST,
    REQUEST_TIMEOUT_S,
    RESULTS_DIR,
    LoadResult,
    demo_site_prepare,
    drop_database,
    ensure_wrk,
    exit_on_sigterm,
    finish,
    flush_redis,
    follow,
    get,
    percentile,
    recreate_database,
    run_wrk,
    say,
    serving,
    site_env,
    warn_if_busy,
    wrk_command,
)

RESULTS_FILE = RESULTS_DIR / "public_pages.json"

DB_NAME = "candor_bench"
REDIS_URL = "redis://127.0.0.1:6379/2"

INCIDENT_PATH = "/incidents/2026-11-customer-data-breach/"
API_PATH = "/api/v2/summary.json"

# Issue 14: a kept page is answered before sessions, locale, CSRF and auth run, so it
# should cost nearly what a static file does.
RATIO_MIN = 0.9
P99_MAX_MS = 20.0

# Load shape: two client threads (one per CPU here), sixteen open connections.
LOAD_THREADS = 2
LOAD_CONNECTIONS = 16


# --- Setup -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--seconds", type=int, default=10, help="how long to load each URL (default 10)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="load the three URLs in turn this many times, --seconds/N each time, and add"
        " the rounds up: on a machine with other work, its changes then fall on all three"
        " alike (default 1)",
    )
    parser.add_argument(
        "--database",
        default=DB_NAME,
        help=f"the PostgreSQL database to create and drop (default {DB_NAME})",
    )
    parser.add_argument(
        "--redis-url",
        default=REDIS_URL,
        help=f"the Redis database to use as the cache; it is emptied (default {REDIS_URL})",
    )
    args = parser.parse_args(argv)
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")
    if args.rounds < 1 or args.seconds < args.rounds:
        parser.error("--rounds must be at least 1 and at most --seconds")
    return args


def count_cached_pages(redis_url: str) -> int:
    """How many whole-page entries the shared cache holds (keys from core/public_pages.py)."""
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        return sum(1 for _ in client.scan_iter(match="*public-page:*:*", count=1000))
    finally:
        client.close()


def public_env(db_name: str, redis_url: str) -> dict[str, str]:
    """The environment of a production deployment, pointed at the bench database."""
    return site_env(db_name, REDIS_URL=redis_url)


# --- The page ----------------------------------------------------------------------------


class _StylesheetFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if self.href is None and tag == "link" and "stylesheet" in rel:
            self.href = values.get("href")


def stylesheet_path(page_html: str) -> str:
    finder = _StylesheetFinder()
    finder.feed(page_html)
    if not finder.href:
        raise RuntimeError("the incident page links no stylesheet")
    return finder.href


def warm_up(port: int, path: str) -> tuple[dict[str, str], bytes]:
    """One request, which must be a 200; it also fills the page cache."""
    status, headers, body = get(port, path)
    if status != 200:
        raise RuntimeError(f"warm-up GET {path} answered {status}, not 200")
    return headers, body


# --- Load generation ---------------------------------------------------------------------


def run_wrk_on(wrk: str, port: int, path: str, seconds: int) -> LoadResult:
    return run_wrk(
        wrk_command(wrk, port, path, seconds, threads=LOAD_THREADS, connections=LOAD_CONNECTIONS)
    )


@dataclass
class _ClientTally:
    latencies_ms: list[float]
    non_200: int = 0
    socket_errors: int = 0


def _client_loop(port: int, path: str, deadline: float, tally: _ClientTally) -> None:
    """One keep-alive connection, reopened when the server closes it or fails."""
    conn: http.client.HTTPConnection | None = None
    while time.monotonic() < deadline:
        if conn is None:
            conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            tally.socket_errors += 1
            conn.close()
            conn = None
            continue
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            tally.non_200 += 1
        if response.will_close:
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def run_python_load(port: int, path: str, seconds: int) -> LoadResult:
    """Fallback: LOAD_CONNECTIONS threads for `seconds`, each on its own connection."""
    deadline = time.monotonic() + seconds
    tallies = [_ClientTally(latencies_ms=[]) for _ in range(LOAD_CONNECTIONS)]
    threads = [
        threading.Thread(target=_client_loop, args=(port, path, deadline, t), daemon=True)
        for t in tallies
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT_S + 5)
    elapsed = time.monotonic() - started
    latencies = [ms for t in tallies for ms in t.latencies_ms]
    return LoadResult(
        requests=len(latencies),
        rps=len(latencies) / elapsed if elapsed > 0 else 0.0,
        p99_ms=percentile(latencies, 0.99),
        non_2xx=sum(t.non_200 for t in tallies),
        socket_errors=sum(t.socket_errors for t in tallies),
        tool="python",
    )


def load(wrk: str | None, port: int, path: str, seconds: int) -> LoadResult:
    if wrk:
        return run_wrk_on(wrk, port, path, seconds)
    return run_python_load(port, path, seconds)


# --- Report ------------------------------------------------------------------------------


def describe(name: str, path: str, result: LoadResult) -> str:
    return (
        f"{name:<7} {result.rps:9.1f} req/s  p99 {result.p99_ms:7.2f} ms  "
        f"{result.requests:7d} requests  {result.non_2xx} non-2xx  "
        f"{result.socket_errors} socket errors  ({result.tool})  {path}"
    )


def summarise(results: dict[str, LoadResult], seconds: int, workers: int) -> dict[str, Any]:
    static_rps = results["static"].rps
    ratio_page = results["page"].rps / static_rps if static_rps else 0.0
    ratio_api = results["api"].rps / static_rps if static_rps else 0.0
    errors = sum(r.errors for r in results.values())
    meets = (
        errors == 0
        and ratio_page >= RATIO_MIN
        and ratio_api >= RATIO_MIN
        and all(r.p99_ms <= P99_MAX_MS for r in results.values())
    )
    summary: dict[str, Any] = {
        name: {"rps": round(r.rps, 1), "p99_ms": round(r.p99_ms, 2)} for name, r in results.items()
    }
    summary.update(
        ratio_page_static=round(ratio_page, 3),
        ratio_api_static=round(ratio_api, 3),
        seconds=seconds,
        workers=workers,
        errors=errors,
        targets={"ratio_min": RATIO_MIN, "p99_max_ms": P99_MAX_MS},
        meets_targets=meets,
    )
    return summary


# --- Main --------------------------------------------------------------------------------


def combine(rounds: list[LoadResult], seconds: int) -> LoadResult:
    """Rounds of one URL as one run: requests over the whole time; the worst round's p99
    (percentiles of separate runs cannot be merged; the worst one errs on the safe side)."""
    requests = sum(r.requests for r in rounds)
    return LoadResult(
        requests=requests,
        rps=requests / seconds,
        p99_ms=max(r.p99_ms for r in rounds),
        non_2xx=sum(r.non_2xx for r in rounds),
        socket_errors=sum(r.socket_errors for r in rounds),
        tool=rounds[0].tool,
    )


def measure(port: int, seconds: int, redis_url: str, rounds: int) -> dict[str, LoadResult]:
    """Warm each URL up, then load each in turn; the static file is the baseline."""
    # Where the pages answer now (e.g. behind a language prefix), not the redirect to them.
    incident_path, api_path = follow(port, INCIDENT_PATH), follow(port, API_PATH)
    page_headers, page_body = warm_up(port, incident_path)
    css_path = stylesheet_path(page_body.decode())
    warm_up(port, api_path)
    warm_up(port, css_path)
    say(
        f"incident page: {len(page_body)} bytes, Cache-Control "
        f"{page_headers.get('Cache-Control', '-')!r}, ETag {page_headers.get('ETag', '-')}"
    )
    say(f"shared cache holds {count_cached_pages(redis_url)} public page entries after warm-up")

    wrk = ensure_wrk()
    if not wrk:
        say("wrk is not available: using the Python load generator (lower ceiling)")
    paths = {"page": incident_path, "api": api_path, "static": css_path}
    each = seconds // rounds
    runs: dict[str, list[LoadResult]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            runs[name].append(load(wrk, port, path, each))
    results = {name: combine(runs[name], each * rounds) for name in paths}
    for name, path in paths.items():
        say(describe(name, path, results[name]))
    return results


def run(seconds: int, rounds: int, db_name: str, redis_url: str) -> dict[str, Any]:
    workers = os.cpu_count() or 1
    busy = warn_if_busy("lower and noisier")  # recorded in the JSON too
    env = public_env(db_name, redis_url)
    say(f"database {db_name}: recreating, migrating, loading the demo")
    recreate_database(db_name)
    try:
        flush_redis(redis_url)
        demo_site_prepare(env)
        with tempfile.TemporaryFile("w+") as log:
            try:
                with serving(env, workers, log) as port:
                    results = measure(port, seconds, redis_url, rounds)
            finally:
                log.seek(0)
                server_log = log.read().strip()
                if server_log:
                    say("gunicorn log (warnings and errors):")
                    say(server_log[-4000:])
    finally:
        drop_database(db_name)
    return {**summarise(results, seconds, workers), "rounds": rounds, "load_average": busy}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    summary = run(args.seconds, args.rounds, args.database, args.redis_url)
    verdict = (
        f"ratios to static: page {summary['ratio_page_static']:.2f}, "
        f"api {summary['ratio_api_static']:.2f} (target >= {RATIO_MIN}); "
        f"p99 target <= {P99_MAX_MS:.0f} ms; errors {summary['errors']}; "
        f"meets targets: {summary['meets_targets']}"
    )
    finish(RESULTS_FILE, summary, verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
