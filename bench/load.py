"""
Load test: a minute of mixed anonymous traffic and signed-in readers, with a login storm or not.

The day a breach is disclosed, most visitors are anonymous readers of a few public
pages, some customers are signed in reading "Was I affected?" (/me/), and some
attacker tries passwords. This script serves the app as in production and loads
it from other processes on 127.0.0.1:

1. creates a fresh PostgreSQL database (`candor_bench_load`), migrates it, loads
   the demo (`seed_demo`), collects static files, signs in a few demo customers
   who were affected (sessions created as Django's login() creates them);
2. starts gunicorn as deploy/ runs it, one gthread worker per CPU with 32 threads
   (`--threads N`), debug off, Redis as the shared cache
   (database 3, flushed first), and Debian's nginx in front of it as deploy/ puts it
   (its proxy settings file included as it is, the upstream's keepalive pool; plain
   HTTP, TLS being the proxy machine's work; `--no-proxy` loads gunicorn directly), and
   finds where each page answers (following a language redirect, if any). Through the
   proxy each page's requests spread over all the workers; straight to gunicorn, each
   wrk's connections stay on the worker that accepted them, and one page's req/s swung
   by half between two identical runs;
3. after a warm-up of the same mix (10 s, not counted), for `--seconds` (default 60)
   runs, all at once, one `wrk` process per
   anonymous page, 64 connections in all, split as a news day's traffic is:
   home 16, incident page 24, FAQ 8, Atom feed 8, JSON API 8; and one `wrk`
   with a connection per signed-in customer on /me/ (4). Each page's wrk keeps
   its own latency histogram, so every page has honest p50 and p99; a page's
   share of the requests follows from its connections and its speed;
4. with `--login-storm`: the same mix is run on the same server alone (the
   baseline) and with a password-login storm from another process:
   POSTs to the sign-in form (with its CSRF token), wrong passwords for known and
   unknown addresses, sent on a fixed schedule (open loop) at ten times what the
   password hasher can serve. That capacity is measured in the run: the time of
   one password check (Django's PBKDF2, in a process like the server's) and the
   number of server CPUs. The target is that every anonymous page keeps at least
   70% of its baseline req/s: allauth's rate limits answer most attempts with a
   429 before any hashing. With `--spread` (each attempt from another address of
   127.0.0.0/8, which the proxy passes on; without it, sent as X-Forwarded-For; the
   site's storm refusals are then kept a second by nginx, as deploy/ has it, and most
   attempts are answered there),
   people who know their password (distinct accounts) also sign in meanwhile, at a
   fifth of that capacity, four in five from a browser they signed in with before
   (holding the cookie core.known_browsers gave it then), one in five from a new
   one. A new browser has no place kept: when the open places are spent it is
   offered the emailed code, and takes it as a person would (the code is read from
   the mail the server wrote). The target is that 95% of all of them are signed in
   within 5 s of opening the form; each kind's figure is reported too. Between the
   two, the mix also runs with those people signing in and no bots (other accounts of
   theirs sign in during the storm): their own hashing is a share of the server that
   the pages lose on any busy day, and the storm against that run is the bots' own cost,
   reported beside the target (which stays against the pages alone). The kinds of run
   take turns, `--rounds` times, a piece of `--seconds` / rounds each (by default a round
   for each 10 s, at most 6: 60 s are 6 rounds of 10 s): the pages alone, with the
   people, with the storm; again. Each ratio is then over the same stretch of the
   machine's time, and each round's own ratio is reported too (on a shared machine one
   10-s round's ranged 55-137% within a run: with 3 rounds, four runs kept 60-80% in all,
   with 6, four runs 77-85%). The
   storm's client does its setup before each piece's window, ends its storm after it,
   so that the next piece of people alone starts without one, and marks it again before
   the storm's next piece: one storm in pieces, as a real one goes on;
5. stops gunicorn and drops the database, also when something fails.

Targets: no errors (non-2xx/3xx or socket errors) on any page, p99 under 250 ms
for every anonymous page; with the storm (whose p99 is reported, not a target),
still no errors and each anonymous page at 70% or more of its baseline req/s.
The load generators share the two CPUs with the server, so absolute req/s are
low; the ratio is measured against the same server in the same run. With
`--server-cpus N` the server has N CPUs of its own and everything else (the proxy, the
load, PostgreSQL's and Redis's clients) the others.

Usage, from the repository root:

    .venv/bin/python bench/load.py [--seconds N] [--login-storm [--spread]]
        [--threads N] [--password-share F] [--known-share F] [--server-cpus N] [--no-proxy]

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/load.json (load_login_storm.json with
the storm).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import http.client
import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import common
from common import HOST, LoadResult, say

RESULTS_FILE = common.RESULTS_DIR / "load.json"
STORM_RESULTS_FILE = common.RESULTS_DIR / "load_login_storm.json"
SPREAD_RESULTS_FILE = common.RESULTS_DIR / "load_login_storm_spread.json"
# Seconds of the mix run first and not counted (at most --seconds).
WARM_UP_S = 10
# With the storm, the kinds of run take turns in pieces of this many seconds, at most this
# many turns (--rounds): more, shorter turns spread a machine's wandering speed evenly.
PIECE_S = 10
PIECES_AT_MOST = 6
DB_NAME = "candor_bench_load"
REDIS_URL = "redis://127.0.0.1:6379/3"

# Open connections per anonymous page: 64 in all, most on the incident page and home.
CONNECTIONS = {"home": 16, "incident": 24, "faq": 8, "feed": 8, "api": 8}
SIGNED_IN = 4
P99_MAX_MS = 250.0
STORM_RATIO_MIN = 0.7
STORM_FACTOR = 10
# Threads of the storm client: enough to keep the schedule while the server is slow.
STORM_THREADS = 48
HASH_SAMPLES = 5
# --spread: legitimate sign-ins during the storm, at a fifth of the hasher's capacity.
LEGIT_SHARE_DIVISOR = 5
LEGIT_THREADS = 8
LEGIT_WITHIN_S = 5.0
LEGIT_PERCENT_MIN = 95.0
LEGIT_PASSWORD = "the-customers-own-password-1"  # noqa: S105 (made-up accounts)
# Most of them sign in from a browser they signed in with before (core.known_browsers: the
# cookie it was given then); every NEW_BROWSER_EVERY-th from a browser new to the site.
NEW_BROWSER_EVERY = 5

# wrk gives each of its threads one connection and, through setup(), one session.
ME_LUA = """
local cookies = {}
for cookie in string.gmatch(os.getenv("CANDOR_BENCH_COOKIES"), "[^,]+") do
  table.insert(cookies, cookie)
end
local count = 0
function setup(thread)
  count = count + 1
  thread:set("cookie", cookies[(count - 1) % #cookies + 1])
end
function init(args)
  wrk.headers["Cookie"] = cookie
end
"""


# --- Children ----------------------------------------------------------------------------


def child_hash_cost() -> dict[str, Any]:
    """Seconds of one password check with the app's hasher, as the server runs it."""
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    encoded = make_password("a-password-nobody-types-at-the-storm")
    timings = []
    for _ in range(HASH_SAMPLES):
        started = time.perf_counter()
        check_password("a wrong guess", encoded)
        timings.append(time.perf_counter() - started)
    hasher = get_hasher()
    return {"hasher": hasher.algorithm, "iterations": hasher.iterations, "seconds": min(timings)}


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[str, int] = {}
        self.latencies_ms: list[float] = []
        self.late = 0
        self.unsent = 0

    def add(self, status: str, latency_ms: float) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.latencies_ms.append(latency_ms)


def _storm_thread(
    port: int,
    login: str,
    session: tuple[str, str],
    emails: list[str],
    schedule: list[float],
    end: float,
    tally: _Tally,
    spread: bool = False,
    proxied: bool = False,
) -> None:
    """
    Sign-in attempts at their scheduled times, with this thread's CSRF cookie and token
    (`session`, opened before the window); with `spread`, each from another address (a
    botnet's storm): connecting from it through the proxy (`proxied`), which passes it
    on, or sending it as the proxy would (X-Forwarded-For; the server trusts one proxy).
    """
    cookie, token = session
    rng = random.Random()
    for at in schedule:
        now = time.monotonic()
        if now >= end:
            # Behind schedule at the end of the window: what is left is not sent.
            tally.unsent += 1
            continue
        if at > now:
            time.sleep(at - now)
        elif now - at > 1:
            tally.late += 1
        form = {
            "csrfmiddlewaretoken": token,
            "login": rng.choice(emails),
            "password": f"guess-{rng.randrange(10**9)}",
        }
        headers, source = {}, None
        if spread:
            address = f"127.{rng.randrange(1, 100)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if proxied:
                source = address
            else:
                headers["X-Forwarded-For"] = address
        started = time.perf_counter()
        try:
            outcome = str(
                common.post(port, login, form, cookie, timeout=30, headers=headers, source=source)
            )
        except (OSError, http.client.HTTPException) as error:
            outcome = type(error).__name__
        tally.add(outcome, (time.perf_counter() - started) * 1000)


def _legit_thread(
    port: int,
    login: str,
    schedule: list[tuple[float, str, dict[str, str]]],
    end: float,
    results: dict[str, list],
    proxied: bool = False,
) -> None:
    """
    People signing in with their own (correct) password during the storm, each in a
    browser of their own, from an address of their own, holding the cookies it was given
    before (none for a new browser): seconds from opening the form to being signed in,
    or None, by kind of browser.
    """
    rng = random.Random()
    for at, email, known_cookies in schedule:
        if time.monotonic() >= end:
            return
        time.sleep(max(0.0, at - time.monotonic()))
        address = f"127.200.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        browser = common.Browser(port, address, proxied=proxied)
        browser.cookies.update(known_cookies)
        started = time.monotonic()
        form_s = None
        try:
            status, _, form = browser.request("GET", login)
            if status != 200:
                raise RuntimeError(f"GET {login}: {status}")
            form_s = time.monotonic() - started
            status, headers, page = browser.submit(
                login, {"login": email, "password": LEGIT_PASSWORD}, page=form
            )
            signed_in = _signed_in(status, headers)
            outcome = str(status)
            if not signed_in and not known_cookies and common.BUSY_PAGE in page:
                # What the page offers a browser new to the site: the emailed code.
                signed_in = _sign_in_by_code(browser, login, email)
                outcome = f"{status}, then by code" if signed_in else f"{status}, code failed"
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            signed_in, outcome = False, type(error).__name__
        kind = "known" if known_cookies else "new"
        results[kind].append(time.monotonic() - started if signed_in else None)
        results[f"{kind}_outcomes"].append(outcome)
        if form_s is not None:
            results["form_s"].append(form_s)


def _signed_in(status: int, headers) -> bool:
    """A sign-in form's answer: sent on to the site, not back to a sign-in page."""
    return status == 302 and "login" not in headers.get("Location", "")


def _sign_in_by_code(browser: common.Browser, login: str, email: str) -> bool:
    """
    As a person follows the page's offer in the same browser: ask for a code for `email`,
    read it from the mail the server wrote (EMAIL_URL filemail://, see run()), type it in.
    Signed in or not.
    """
    code_path = login.rstrip("/") + "/code/"
    asked = time.time()
    status, headers, _ = browser.submit(code_path, {"email": email})
    confirm = headers.get("Location", "")
    if status != 302 or not confirm.startswith("/"):
        return False
    code = _code_mailed_to(email, since=asked)
    if code is None:
        return False
    return _signed_in(*browser.submit(confirm, {"code": code})[:2])


def _code_mailed_to(email: str, *, since: float, timeout: float = 10.0) -> str | None:
    """The sign-in code in the newest mail to `email` written since `since`."""
    from django.conf import settings

    folder = Path(settings.EMAIL_FILE_PATH)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
            if path.stat().st_mtime < since - 1:
                break
            # Django's file backend ends each message with a line of 79 dashes.
            for message in reversed(path.read_text(errors="replace").split("-" * 79)):
                if re.search(rf"^To: {re.escape(email)}$", message, re.MULTILINE):
                    found = common.SIGN_IN_CODE.search(message)
                    if found:
                        return found[1]
        time.sleep(0.1)
    return None


def _browser_cookies(n: int, email: str) -> dict[str, str]:
    """The cookies of the n-th person's browser: known since an earlier sign-in, or new."""
    if n % NEW_BROWSER_EVERY == NEW_BROWSER_EVERY - 1:
        return {}
    from core.known_browsers import COOKIE_NAME, cookie_value

    return {COOKIE_NAME: cookie_value([email])}


def _legit_figures(times: list[float | None], outcomes: list[str]) -> dict[str, Any]:
    in_time = [t for t in times if t is not None and t <= LEGIT_WITHIN_S]
    return {
        "outcomes": dict(sorted(collections.Counter(outcomes).items())),
        "sign_ins": len(times),
        "signed_in": sum(t is not None for t in times),
        "signed_in_within_5s_percent": round(100 * len(in_time) / len(times), 1)
        if times
        else None,
        "p50_s": round(common.percentile([t for t in times if t is not None] or [0.0], 0.5), 2),
    }


def child_legit_accounts(count: int) -> dict[str, Any]:
    """`count` customers who know their password (one hash for all: the same password)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    user_model = get_user_model()
    encoded = make_password(LEGIT_PASSWORD)
    users = user_model.objects.bulk_create(
        [user_model(email=f"legit{n}@example.com", password=encoded) for n in range(count)]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    return {"accounts": len(users)}


def child_storm(
    port: int,
    login: str,
    rate: float,
    seconds: int,
    spread: bool = False,
    bots: bool = True,
    first_person: int = 0,
    proxied: bool = False,
    storm_goes_on: bool = False,
) -> dict[str, Any]:
    """
    Password-login attempts at `rate` per second for `seconds`, on a fixed schedule; with
    `spread`, people signing in meanwhile (legit<first_person + n>@example.com); without
    `bots`, those people alone.

    Everything that is not the window's own work is done first: Django's setup, each
    thread's form session, the people's cookies. Then the child says "ready" and starts
    when the parent says "go" (once the pages' load has started), so none of it is taken
    from the server while the pages are measured. What it returns is raw (every time and
    outcome), for the parent to add up over the rounds (`storm_figures`). With `spread`,
    it ends the storm the bots started (the mark in the shared cache, core.password_budget)
    so that the next run of people alone starts without one, and `storm_goes_on` marks it
    again before the next piece of the storm: one storm, cut in pieces, as a real one goes
    on (started afresh each piece, its first guesses got hashes: 27-42 in a run, not 8-17).
    """
    # Known customers (demo logins and the signed-in readers) and addresses nobody has.
    emails = ["alice@example.com", "bob@example.com"]
    emails += [f"customer{n:03d}@example.net" for n in range(1, 41)]
    emails += [f"nobody{n}@example.org" for n in range(40)]
    count = int(rate * seconds) if bots else 0
    sessions = [common.form_session(port, login) for _ in range(STORM_THREADS if count else 0)]
    # With --spread, people who know their password sign in meanwhile, at a fifth of what
    # the hasher can serve (the storm's rate / STORM_FACTOR / 5), on a schedule of their own.
    legit_rate = rate / STORM_FACTOR / LEGIT_SHARE_DIVISOR
    people: list[tuple[str, dict[str, str]]] = []
    if spread:
        common.django_setup()  # to sign the cookies the browsers were given before
        if storm_goes_on:
            # The storm's earlier pieces were one storm, which this piece goes on with: the
            # site still knows of it (it was ended only for the people's piece between).
            from core import password_budget

            password_budget._mark_storm(time.time())
        people = [
            (email, _browser_cookies(n, email))
            for n in range(int(legit_rate * seconds))
            for email in [f"legit{first_person + n}@example.com"]
        ]
    print("ready", flush=True)
    sys.stdin.readline()  # "go"
    cpu_at_go = time.process_time()
    start = time.monotonic() + 0.05
    end = start + seconds
    times = [start + n / rate for n in range(count)]
    tally = _Tally()
    threads = [
        threading.Thread(
            target=_storm_thread,
            args=(
                port, login, sessions[n], emails, times[n::STORM_THREADS], end, tally,
                spread, proxied,
            ),
            daemon=True,
        )
        for n in range(len(sessions))
    ]  # fmt: skip
    legit: dict[str, list] = {
        "known": [],
        "new": [],
        "known_outcomes": [],
        "new_outcomes": [],
        "form_s": [],
    }
    legit_times = [(start + n / legit_rate, *person) for n, person in enumerate(people)]
    threads += [
        threading.Thread(
            target=_legit_thread,
            args=(port, login, legit_times[n::LEGIT_THREADS], end, legit, proxied),
            daemon=True,
        )
        for n in range(LEGIT_THREADS if people else 0)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - start
    cpu_in_window = time.process_time() - cpu_at_go
    if spread:
        from django.core.cache import cache

        from core import password_budget

        cache.delete(password_budget._STORM_KEY)
    return {
        "people": len(people),
        "elapsed_s": elapsed,
        "cpu_s_in_window": cpu_in_window,
        "cpu_s": time.process_time(),
        "statuses": tally.statuses,
        "latencies_ms": [round(ms, 1) for ms in tally.latencies_ms],
        "late_over_1s": tally.late,
        "unsent_behind_schedule": tally.unsent,
        "legit": legit,
    }


def storm_figures(raws: list[dict[str, Any]], rate: float, spread: bool) -> dict[str, Any]:
    """What the storm's client saw, over every run of it (`child_storm`'s raw returns)."""
    statuses: collections.Counter[str] = collections.Counter()
    latencies: list[float] = []
    legit: dict[str, list] = collections.defaultdict(list)
    for raw in raws:
        statuses.update(raw["statuses"])
        latencies += raw["latencies_ms"]
        for key, values in raw["legit"].items():
            legit[key] += values
    sent = sum(statuses.values())
    elapsed = sum(raw["elapsed_s"] for raw in raws)
    legit_figures = {}
    if spread:
        # The target is for everyone who knows their password: from the browser they signed
        # in with before (a place is kept for it), or from a new one, which has none and is
        # offered the emailed code when the open places are spent, and takes it.
        everyone = _legit_figures(
            legit["known"] + legit["new"], legit["known_outcomes"] + legit["new_outcomes"]
        )
        legit_figures = {
            "legit_sign_ins": everyone["sign_ins"],
            "legit_signed_in": everyone["signed_in"],
            "legit_signed_in_within_5s_percent": everyone["signed_in_within_5s_percent"] or 0.0,
            "legit_p50_s": everyone["p50_s"],
            "legit_outcomes": everyone["outcomes"],
            # Of each sign-in's time, opening the form (the rest is the POST).
            "legit_form_p50_s": round(common.percentile(legit["form_s"] or [0.0], 0.5), 2),
            "legit_from_known_browsers": _legit_figures(legit["known"], legit["known_outcomes"]),
            "legit_from_new_browsers": _legit_figures(legit["new"], legit["new_outcomes"]),
        }
    return legit_figures | {
        "rate_asked": round(rate, 1),
        "rate_sent": round(sent / elapsed, 1) if elapsed > 0 else 0.0,
        "attempts": sent,
        "late_over_1s": sum(raw["late_over_1s"] for raw in raws),
        "unsent_behind_schedule": sum(raw["unsent_behind_schedule"] for raw in raws),
        "statuses": dict(sorted(statuses.items())),
        "p50_ms": round(common.percentile(latencies, 0.5), 1),
        "p99_ms": round(common.percentile(latencies, 0.99), 1),
    }


def child_main(args: argparse.Namespace) -> int:
    if args.child == "hash":
        common.django_setup()
        result = child_hash_cost()
    elif args.child == "legit":
        common.django_setup()
        result = child_legit_accounts(args.count)
    else:
        result = child_storm(
            args.port,
            args.login,
            args.rate,
            args.seconds,
            args.spread,
            bots=not args.no_bots,
            first_person=args.first_person,
            proxied=args.proxied,
            storm_goes_on=args.storm_goes_on,
        )
    print(json.dumps(result), flush=True)
    return 0


# --- The mixed load ----------------------------------------------------------------------


def start_mix(
    wrk: str, port: int, paths: dict[str, str], cookies: list[str], seconds: int, work: Path
) -> dict[str, subprocess.Popen[str]]:
    """One wrk per page, all at once; /me/ with one connection (and session) per thread."""
    procs = {}
    for name, connections in CONNECTIONS.items():
        command = common.wrk_command(
            wrk, port, paths[name], seconds, threads=1, connections=connections
        )
        procs[name] = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    script = work / "me.lua"
    script.write_text(ME_LUA)
    command = common.wrk_command(
        wrk, port, paths["me"], seconds, threads=len(cookies), connections=len(cookies)
    )
    env = {**os.environ, "CANDOR_BENCH_COOKIES": ",".join(cookies)}
    procs["me"] = subprocess.Popen(
        [*command[:-1], "-s", str(script), command[-1]], stdout=subprocess.PIPE, text=True, env=env
    )
    return procs


def collect_mix(procs: dict[str, subprocess.Popen[str]]) -> dict[str, LoadResult]:
    results = {}
    for name, proc in procs.items():
        output, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"wrk on {name} exited with {proc.returncode}")
        results[name] = common.parse_wrk(output)
    return results


def describe(name: str, path: str, result: LoadResult) -> str:
    return (
        f"  {name:<9} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
        f"p99 {result.p99_ms:7.1f} ms  {result.requests:7d} requests  "
        f"{result.errors} errors  {path}"
    )


@dataclasses.dataclass
class Piece:
    """One run of the mix: each page's wrk figures, the storm client's raw figures (if
    any), the CPU seconds each part of the machine took meanwhile, and how long it ran."""

    results: dict[str, LoadResult]
    storm: dict[str, Any] | None
    cpu_s: dict[str, float]
    elapsed_s: float


def start_storm_child(
    port: int, paths: dict[str, str], seconds: int, storm: dict[str, Any], env: dict[str, str]
) -> subprocess.Popen[str]:
    """The storm's client, started and ready (its setup done), waiting to be told "go"."""
    command = [
        sys.executable, str(Path(__file__).resolve()), "--child", "storm",
        "--port", str(port), "--login", paths["login"], "--rate", str(storm["rate"]),
        "--seconds", str(seconds), "--first-person", str(storm.get("first_person", 0)),
        *(["--spread"] if storm.get("spread") else []),
        *(["--no-bots"] if storm.get("bots") is False else []),
        *(["--proxied"] if storm.get("proxied") else []),
        *(["--storm-goes-on"] if storm.get("goes_on") else []),
    ]  # fmt: skip
    child = subprocess.Popen(
        command, cwd=common.REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        child.kill()
        child.wait()
        raise RuntimeError(f"the storm's client did not start (exit {child.returncode})")
    return child


def storm_child_result(child: subprocess.Popen[str]) -> dict[str, Any]:
    output, _ = child.communicate(timeout=600)
    if child.returncode != 0:
        raise RuntimeError(f"the storm's client exited with {child.returncode}")
    return json.loads(output.strip().splitlines()[-1])


def run_mix(
    wrk: str,
    port: int,
    paths: dict[str, str],
    cookies: list[str],
    seconds: int,
    work: Path,
    storm: dict[str, Any] | None = None,
    site_env: dict[str, str] | None = None,
    server_pgid: int | None = None,
    proxy_pgid: int | None = None,
    label: str = "",
) -> Piece:
    """
    The mixed load for `seconds`; with `storm`, the login storm's client runs alongside
    (started first, its setup outside the window). Also where the machine's CPU went
    meanwhile: the server, the proxy, wrk, the storm's client.
    """
    child = None
    if storm is not None:
        # The site's key signs the browsers' cookies.
        child = start_storm_child(port, paths, seconds, storm, site_env or os.environ.copy())
    server_before = common.group_cpu_seconds(server_pgid) if server_pgid else 0.0
    proxy_before = common.group_cpu_seconds(proxy_pgid) if proxy_pgid else 0.0
    children_before = _children_cpu_seconds()
    started = time.monotonic()
    procs = start_mix(wrk, port, paths, cookies, seconds, work)
    storm_result = None
    try:
        if child is not None:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
            storm_result = storm_child_result(child)
        results = collect_mix(procs)
    finally:
        for proc in [*procs.values(), *([child] if child else [])]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    elapsed = time.monotonic() - started
    children = _children_cpu_seconds() - children_before
    cpu = {
        "server": (common.group_cpu_seconds(server_pgid) - server_before if server_pgid else 0.0),
        "proxy": (common.group_cpu_seconds(proxy_pgid) - proxy_before if proxy_pgid else 0.0),
        "wrk": children - (storm_result["cpu_s"] if storm_result else 0.0),
        "storm_client": storm_result["cpu_s_in_window"] if storm_result else 0.0,
    }
    anonymous = sum(r.rps for name, r in results.items() if name in CONNECTIONS)
    cores = {name: round(value / elapsed, 2) for name, value in cpu.items()}
    say(f"  {label or 'the mix'}: {anonymous:,.0f} anonymous req/s; cores busy: {cores}")
    return Piece(results, storm_result, cpu, elapsed)


def merge_pieces(pieces: list[Piece]) -> tuple[dict[str, LoadResult], dict[str, float]]:
    """
    The pages' figures over several pieces: requests and errors added up, req/s as all
    the requests over all the time, p50 the pieces' median, p99 the worst piece's (wrk
    keeps no histogram to merge); and the cores each part used over all the time.
    """
    results = {}
    for name in pieces[0].results:
        parts = [piece.results[name] for piece in pieces]
        requests = sum(r.requests for r in parts)
        seconds = sum(r.requests / r.rps for r in parts if r.rps)
        results[name] = LoadResult(
            requests=requests,
            rps=requests / seconds if seconds else 0.0,
            p99_ms=max(r.p99_ms for r in parts),
            non_2xx=sum(r.non_2xx for r in parts),
            socket_errors=sum(r.socket_errors for r in parts),
            tool=parts[0].tool,
            p50_ms=statistics.median(r.p50_ms for r in parts),
            timeouts=sum(r.timeouts for r in parts),
        )
    elapsed = sum(piece.elapsed_s for piece in pieces)
    cores = {
        name: round(sum(piece.cpu_s[name] for piece in pieces) / elapsed, 2)
        for name in pieces[0].cpu_s
    }
    return results, cores


def _children_cpu_seconds() -> float:
    """CPU time of this process's finished children (wrk, the storm's client)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def page_figures(results: dict[str, LoadResult]) -> dict[str, Any]:
    return {
        name: {
            "rps": round(r.rps, 1),
            "p50_ms": round(r.p50_ms, 1),
            "p99_ms": round(r.p99_ms, 1),
            "requests": r.requests,
            "errors": r.errors,
            "non_2xx_3xx": r.non_2xx,
            "timeouts": r.timeouts,
        }
        for name, r in results.items()
    }


def mix_summary(results: dict[str, LoadResult]) -> dict[str, Any]:
    anonymous = {name: r for name, r in results.items() if name in CONNECTIONS}
    return {
        "pages": page_figures(results),
        "anonymous_rps": round(sum(r.rps for r in anonymous.values()), 1),
        "errors": sum(r.errors for r in results.values()),
        "worst_anonymous_p99_ms": round(max(r.p99_ms for r in anonymous.values()), 1),
    }


def page_ratios(
    results: dict[str, LoadResult], against: dict[str, LoadResult]
) -> dict[str, float]:
    """Each anonymous page's req/s in `results` over its req/s in `against`."""
    return {name: round(results[name].rps / against[name].rps, 3) for name in CONNECTIONS}


def anonymous_ratio(results: dict[str, LoadResult], against: dict[str, LoadResult]) -> float:
    """The anonymous pages' req/s in all, in `results` over `against`."""
    return round(
        sum(results[n].rps for n in CONNECTIONS) / sum(against[n].rps for n in CONNECTIONS), 3
    )


def mix_meets(results: dict[str, LoadResult]) -> bool:
    return sum(r.errors for r in results.values()) == 0 and all(
        r.p99_ms < P99_MAX_MS for name, r in results.items() if name in CONNECTIONS
    )


# --- Main --------------------------------------------------------------------------------


def find_paths(port: int, cookie: str) -> dict[str, str]:
    """Where each page answers 200 now (after a language redirect, if any)."""
    paths = {name: common.follow(port, path) for name, path in common.DEMO_PATHS.items()}
    paths["me"] = common.follow(port, "/me/", cookie=cookie)
    paths["login"] = common.follow(port, "/accounts/login/")
    return paths


def run(
    seconds: int,
    login_storm: bool,
    workers: int,
    spread: bool = False,
    password_share: float | None = None,
    server_cpus: int | None = None,
    threads: int = 32,
    known_share: float | None = None,
    proxy: bool = True,
    rounds: int = PIECES_AT_MOST,
) -> dict[str, Any]:
    script = Path(__file__).resolve()
    wrk = common.ensure_wrk()
    if not wrk:
        raise RuntimeError("wrk is needed (apt-get install wrk)")
    # Behind one proxy, as in production; the storm's addresses come in X-Forwarded-For.
    env = common.site_env(DB_NAME, REDIS_URL=REDIS_URL, DJANGO_TRUSTED_PROXY_COUNT="1")
    if password_share is not None:
        env["CANDOR_PASSWORD_SHARE"] = str(password_share)
    if known_share is not None:
        env["CANDOR_KNOWN_BROWSER_SHARE"] = str(known_share)
    # nginx's port, chosen now: browsers' forms come from its origin (common.start_proxy).
    front = common.free_port()
    if proxy:
        env["DJANGO_CSRF_TRUSTED_ORIGINS"] = f"http://{HOST}:{front}"
    # The mail the server sends, where the new browsers' sign-in codes are read (--spread).
    mail_dir = tempfile.TemporaryDirectory(prefix="candor-bench-mail-")
    env["EMAIL_URL"] = f"filemail:///{mail_dir.name}"  # django-environ drops a slash
    machine_cpus = sorted(os.sched_getaffinity(0))
    own_cpus = set(machine_cpus[-server_cpus:]) if server_cpus else set(machine_cpus)
    if server_cpus:
        # The server's CPUs are its own; this script, wrk and the storm (children inherit
        # it) get the others. The budget is then sized on the server's cores.
        workers = len(own_cpus)
        env["CANDOR_HASHING_CORES"] = str(workers)
        os.sched_setaffinity(0, set(machine_cpus) - own_cpus or set(machine_cpus))
    say(f"database {DB_NAME}: recreating, migrating, loading the demo")
    kept = contextlib.ExitStack()
    common.recreate_database(DB_NAME)
    summary: dict[str, Any] = {
        "seconds": seconds,
        "workers": workers,
        "password_share": password_share,  # None: the default (core/conf.py)
        "known_browser_share": known_share,  # None: the default
        "server_cpus_of_its_own": server_cpus,
        "threads": threads,
        "proxy": "nginx" if proxy else None,
    }
    try:
        if server_cpus:
            # As where the database is a machine of its own (given back at the end).
            kept.enter_context(common.services_kept_on(set(machine_cpus) - own_cpus))
        common.flush_redis(REDIS_URL)
        common.demo_site_prepare(env)
        cookies = common.signed_in_sessions(env, SIGNED_IN)
        hashing = common.run_child(script, env, "--child", "hash")
        capacity = workers / hashing["seconds"]
        # People who know their password sign in at a fifth of what the hasher can serve.
        people_rate = capacity / LEGIT_SHARE_DIVISOR
        if spread:
            # Those who sign in with the pages alone, then others during the storm.
            legit_count = int(people_rate * seconds) + 10
            common.run_child(script, env, "--child", "legit", "--count", str(2 * legit_count))
        say(
            f"{hashing['hasher']} ({hashing['iterations']:,} iterations): one check takes "
            f"{hashing['seconds'] * 1000:.0f} ms of a core; {workers} cores serve "
            f"{capacity:.1f} checks/s"
        )
        summary["password_check_ms"] = round(hashing["seconds"] * 1000, 1)
        summary["hasher_capacity_per_s"] = round(capacity, 1)
        port = common.free_port()
        with tempfile.TemporaryDirectory(prefix="candor-bench-load-") as work_dir:
            work = Path(work_dir)
            with (work / "gunicorn.log").open("w+") as log:
                # As deploy/systemd/candor-web@.service runs it: a sign-in waiting for the
                # password budget holds a thread, not a whole process.
                say(
                    f"gunicorn: {workers} gthread workers ({threads} threads) on http://{HOST}:{port}/"
                )
                proc = common.start_gunicorn(
                    env,
                    port,
                    workers,
                    log,
                    extra=(
                        "--worker-class",
                        "gthread",
                        "--threads",
                        str(threads),
                        *common.deploy_gunicorn_options(),
                    ),
                )
                nginx = None
                try:
                    common.wait_healthy(port, proc)
                    if server_cpus:
                        common.pin_group(proc.pid, own_cpus)
                        say(f"the server on CPUs {sorted(own_cpus)}, the load on the others")
                    if proxy:
                        # As deploy/ serves it: every client through nginx, which pools its
                        # connections to the app server, so each page's requests spread over
                        # all the workers. (Straight to gunicorn, each wrk's connections stay
                        # on the worker that accepted them, and a page's req/s swung by half
                        # between two identical runs.) The proxy is a machine of its own in
                        # deploy/: with --server-cpus it runs on the load's CPUs.
                        nginx = common.start_proxy(work, port, front)
                        common.wait_healthy(front, nginx)
                        say(f"nginx in front, on http://{HOST}:{front}/")
                        port = front
                    pgids = {
                        "server_pgid": proc.pid,
                        "proxy_pgid": nginx.pid if nginx else None,
                    }
                    paths = find_paths(port, cookies[0])
                    connections = sum(CONNECTIONS.values())
                    # The machine settles after the setup (migrations, the demo, collectstatic)
                    # and the workers warm up: a first run is thrown away, or the baseline
                    # comes out low and flatters every ratio to it.
                    warm_up = min(WARM_UP_S, seconds)
                    say(f"warming up: {warm_up} s of the same mix, not counted")
                    run_mix(wrk, port, paths, cookies, warm_up, work, **pgids)
                    rate = STORM_FACTOR * capacity
                    # With the storm, each kind of run takes turns, a piece at a time: the
                    # pages alone, with the people (--spread), with the storm; again, for
                    # `rounds`. Each ratio is then over the same stretch of the machine's
                    # time, not over minutes apart on a machine whose speed wanders (in one
                    # run of the three back to back, the storm's run alone came out slow).
                    kinds = ["baseline"]
                    if spread:
                        # The pages with the people signing in and no bots: what the
                        # people's own hashing costs the pages, apart from the storm's.
                        kinds.append("people")
                    if login_storm:
                        kinds.append("storm")
                    turns = rounds if login_storm else 1
                    piece_s = seconds // turns
                    say(
                        f"{seconds} s of each kind of run ({', '.join(kinds)}), in {turns}"
                        f" round{'s' if turns > 1 else ''} of {piece_s} s each: {connections}"
                        f" anonymous connections and {len(cookies)} signed-in ones"
                        + (
                            f"; people sign in at {people_rate:.1f}/s (a fifth of the hasher's"
                            f" {capacity:.1f}/s)" if spread else ""
                        )
                        + (
                            f"; the storm sends {rate:.0f} attempts/s"
                            f" {'from many addresses ' if spread else ''}({STORM_FACTOR}x the"
                            f" hasher's {capacity:.1f}/s)" if login_storm else ""
                        )
                    )  # fmt: skip
                    pieces: dict[str, list[Piece]] = {kind: [] for kind in kinds}
                    next_person = 0
                    for turn in range(1, turns + 1):
                        for kind in kinds:
                            storm = None
                            if kind != "baseline":
                                storm = {
                                    "rate": rate,
                                    "spread": spread,
                                    "bots": kind == "storm",
                                    "first_person": next_person,
                                    "proxied": proxy,
                                    "goes_on": kind == "storm" and turn > 1,
                                }
                            piece = run_mix(
                                wrk, port, paths, cookies, piece_s, work, storm=storm,
                                site_env=env, label=f"round {turn}, {kind}", **pgids,
                            )  # fmt: skip
                            if piece.storm is not None:
                                next_person += piece.storm["people"]
                            pieces[kind].append(piece)
                    if login_storm:
                        # The same check timed again, now the rounds are over: how far the
                        # machine's speed wandered while they ran (the people's rate and the
                        # storm's were set from the first).
                        again = common.run_child(script, env, "--child", "hash")
                        summary["password_check_ms_after"] = round(again["seconds"] * 1000, 1)
                        say(
                            f"one check again, after the rounds: {again['seconds'] * 1000:.0f} ms"
                            f" (before: {hashing['seconds'] * 1000:.0f} ms)"
                        )
                    baseline, baseline_cores = merge_pieces(pieces["baseline"])
                    say("the pages alone, in all:")
                    for name, result in baseline.items():
                        say(describe(name, paths[name], result))
                    summary.update(
                        mix_summary(baseline),
                        connections=connections,
                        cores=baseline_cores,
                        rounds=turns,
                        seconds_a_piece=piece_s,
                    )
                    meets = mix_meets(baseline)

                    def in_all(kind: str, title: str):
                        results, cores = merge_pieces(pieces[kind])
                        login = storm_figures(
                            [p.storm for p in pieces[kind] if p.storm], rate, spread
                        )
                        say(f"{title}, in all: {login}")
                        for name, result in results.items():
                            say(describe(name, paths[name], result))
                        return results, cores, login

                    if spread:
                        people, people_cores, people_login = in_all(
                            "people", "with the people signing in and no bots"
                        )
                    if login_storm:
                        stormy, storm_cores, storm = in_all("storm", "with the storm")
                        ratios = page_ratios(stormy, baseline)
                        summary = {
                            **summary,
                            "baseline": {**mix_summary(baseline), "cores": baseline_cores},
                            "storm": {**mix_summary(stormy), "login": storm, "cores": storm_cores},
                            "rps_ratio_storm_to_baseline": ratios,
                            "anonymous_rps_ratio": anonymous_ratio(stormy, baseline),
                            # Each round's own ratio, to show how much the machine wandered.
                            "anonymous_rps_ratio_by_round": [
                                anonymous_ratio(s.results, b.results)
                                for s, b in zip(pieces["storm"], pieces["baseline"], strict=True)
                            ],
                        }
                        if spread:
                            # The bots' own cost: the storm against the pages with the same
                            # people signing in and no bots (information; the target is
                            # against the pages alone, above).
                            summary["people_no_bots"] = {
                                **mix_summary(people),
                                "login": people_login,
                                "cores": people_cores,
                            }
                            summary["rps_ratio_storm_to_people"] = page_ratios(stormy, people)
                            summary["anonymous_rps_ratio_people_to_baseline"] = anonymous_ratio(
                                people, baseline
                            )
                            summary["anonymous_rps_ratio_storm_to_people"] = anonymous_ratio(
                                stormy, people
                            )
                        for key in (
                            "pages", "anonymous_rps", "errors", "worst_anonymous_p99_ms", "cores"
                        ):  # fmt: skip
                            summary.pop(key, None)
                        # During the storm: no errors and the req/s kept; its p99 is reported.
                        storm_errors = sum(r.errors for r in stormy.values())
                        meets = (
                            meets and storm_errors == 0 and min(ratios.values()) >= STORM_RATIO_MIN
                        )
                        if spread:
                            legit_percent = storm.get("legit_signed_in_within_5s_percent", 0.0)
                            meets = meets and legit_percent >= LEGIT_PERCENT_MIN
                finally:
                    if nginx is not None:
                        common.stop_process_group(nginx)
                    common.stop_gunicorn(proc)
                    log.seek(0)
                    server_log = log.read().strip()
                    if server_log:
                        say("gunicorn log (warnings and errors, last lines):")
                        say(server_log[-3000:])
    finally:
        kept.close()
        common.drop_database(DB_NAME)
        common.flush_redis(REDIS_URL)
        mail_dir.cleanup()
    summary["paths"] = paths
    summary["targets"] = {"p99_max_ms": P99_MAX_MS, "errors": 0}
    if login_storm:
        summary["targets"]["storm_rps_ratio_min"] = STORM_RATIO_MIN
    summary["load_average"] = common.load_average()
    summary["meets_targets"] = meets
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of a run (default 60)")
    parser.add_argument(
        "--login-storm",
        action="store_true",
        help="run the mix alone, then with a password-login storm",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help=(
            "with --login-storm: how many turns each kind of run takes (default: a turn"
            " for each 10 s of --seconds, at most 6)"
        ),
    )
    parser.add_argument(
        "--server-cpus",
        type=int,
        help="give gunicorn this many CPUs of its own (the last ones), the load the others",
    )
    parser.add_argument(
        "--password-share",
        type=float,
        help="CANDOR_PASSWORD_SHARE for the server (default: the app's default)",
    )
    parser.add_argument(
        "--known-share",
        type=float,
        help="CANDOR_KNOWN_BROWSER_SHARE for the server (default: the app's default)",
    )
    parser.add_argument(
        "--spread",
        action="store_true",
        help="with --login-storm: each attempt from another address (a botnet)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=32,
        help="threads of each gunicorn worker (default 32, as deploy/ runs it)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="gunicorn workers (default: one per CPU)",
    )
    parser.add_argument(
        "--no-proxy",
        action="store_true",
        help="load gunicorn directly, without nginx in front (deploy/'s proxy settings)",
    )
    parser.add_argument("--child", choices=["hash", "storm", "legit"], help=argparse.SUPPRESS)
    parser.add_argument("--proxied", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--login", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--no-bots", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--first-person", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--storm-goes-on", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")
    if args.rounds is None:
        args.rounds = max(1, min(PIECES_AT_MOST, args.seconds // PIECE_S))
    if args.rounds < 1 or (args.login_storm and args.seconds // args.rounds < 5):
        parser.error("--rounds: at least 1, and at least 5 s of --seconds a round")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    signal.signal(signal.SIGTERM, common.exit_on_sigterm)
    common.warn_if_busy("lower and noisier")
    if args.spread and not args.login_storm:
        raise SystemExit("--spread goes with --login-storm")
    summary = run(
        args.seconds,
        args.login_storm,
        args.workers,
        args.spread,
        args.password_share,
        args.server_cpus,
        args.threads,
        args.known_share,
        proxy=not args.no_proxy,
        rounds=args.rounds,
    )
    if args.login_storm:
        verdict = (
            f"anonymous req/s with the storm / without: {summary['anonymous_rps_ratio']:.2f} "
            f"(per page {summary['rps_ratio_storm_to_baseline']}, target >= "
            f"{STORM_RATIO_MIN}); meets targets: {summary['meets_targets']}"
        )
        if args.spread:
            login = summary["storm"]["login"]
            known = login.get("legit_from_known_browsers", {})
            new = login.get("legit_from_new_browsers", {})
            everyone = login.get("legit_signed_in_within_5s_percent")
            verdict += (
                f"; legitimate sign-ins within 5 s: {everyone}%"
                f" of {login.get('legit_sign_ins')} (target >= {LEGIT_PERCENT_MIN}): from"
                f" browsers that signed in before {known.get('signed_in_within_5s_percent')}%"
                f" of {known.get('sign_ins')}, from new ones (by password or the code offered)"
                f" {new.get('signed_in_within_5s_percent')}% of {new.get('sign_ins')}"
            )
        if args.spread:
            verdict += (
                f"; for information, with the same people signing in and no bots the pages"
                f" kept {summary['anonymous_rps_ratio_people_to_baseline']:.2f} of their req/s,"
                f" and with the bots {summary['anonymous_rps_ratio_storm_to_people']:.2f} of"
                f" that (per page {summary['rps_ratio_storm_to_people']})"
            )
        summary["storm_from_many_addresses"] = args.spread
        common.finish(SPREAD_RESULTS_FILE if args.spread else STORM_RESULTS_FILE, summary, verdict)
    else:
        verdict = (
            f"{summary['anonymous_rps']:.0f} anonymous req/s, worst p99 "
            f"{summary['worst_anonymous_p99_ms']:.0f} ms (target < {P99_MAX_MS:.0f}), "
            f"{summary['errors']} errors; meets targets: {summary['meets_targets']}"
        )
        common.finish(RESULTS_FILE, summary, verdict)
    # A measurement, like bench/public_pages.py: the JSON says whether targets were met.
    return 0


if __name__ == "__main__":
    sys.exit(main())
