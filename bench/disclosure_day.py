"""
Disclosure day: affected customers arriving at random, each walking the whole journey.

The day's real work is not the public pages but people signing in, replacing the password
that leaked and turning on two-factor authentication; the password hashes (PBKDF2, ~250 ms
of a core each) set the limit. This script:

1. creates a PostgreSQL database (`candor_deploy_bench_day`), migrates it, loads the demo
   (whose incident exposed passwords) and makes `--customers` affected customers (accounts
   with the exposed password, imported as affected with `import_exposures`);
2. serves it as deploy/systemd/candor-web@.service does (gunicorn, gthread, one process per
   CPU), with Redis as cache and broker, a real Celery worker sending every email to an SMTP
   sink of this process, as if behind one proxy (each customer's own X-Forwarded-For);
3. measures one password hash in a process like the server's, so the ceiling is this
   machine's: CPUs / (hash cost x 2 hashes a journey: the new password is checked against
   the exposed one, then stored; having just typed it counts as typing it again before
   enrolling TOTP, accounts.services.password_changed);
4. lets the customers arrive at a few rates (an open model: Poisson arrivals, each in its
   own thread), as fractions of that ceiling, and each walks the journey over HTTP: ask for
   a sign-in code, read it from the email, confirm it, set a new password (no old one),
   open /me/, open the checklist, enrol TOTP (pyotp), sign out;
5. reports completed journeys per second, p50/p99 of each step, errors, emails and CPU
   (server and worker) per journey, the rate at which a step's p99 crossed 2 s, and the
   cores needed for 100,000 and 1,000,000 customers arriving over 24 hours.

Targets: 0 errors, and journeys per second at the best rate >= 0.7 of the ceiling. Past
the ceiling (the default's 1.1) more people arrive than the hashes can serve and each step
slows. A customer whose new password is more than allauth's few minutes old by the time
of TOTP is asked for it again (counted), and a password waits for its check only so long
(core.password_budget), so it may be told the site is busy: the customer then does what
the page says, tries again a few seconds later (up to a minute), and each such retry is
counted. When the server is that slow, a TOTP code can also reach it after its 30-second
window (MFA_TOTP_TOLERANCE = 0) and be refused: the customer types the one the app shows
then (counted too). A journey that still cannot go on is an error.
The server has `--server-cpus N` CPUs of its own (the last ones; by default half the
machine's, when it has two or more) and everything this script runs besides (the load
generator, the worker, the SMTP sink, and this machine's PostgreSQL and Redis for the
run) the others, as a web server in production shares its cores with neither its
visitors nor its database; the ceiling is the server's N CPUs'. With `--server-cpus 0`
everything shares every CPU (the ceiling is then all of them, which the server does not
get). A check's cost is its CPU time on the server's CPUs (the median of a few), measured
again after the arrivals to show how much the machine's speed drifted.

    .venv/bin/python bench/disclosure_day.py [--customers 2000] [--rates 0.5,0.8,1.1]
        [--server-cpus N|0]

Results: bench/results/disclosure_day.json.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import math
import random
import re
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
from common import HOST, say

RESULTS_FILE = common.RESULTS_DIR / "disclosure_day.json"
DB_NAME = "candor_deploy_bench_day"
REDIS_URL = "redis://127.0.0.1:6379/7"
BROKER_URL = "redis://127.0.0.1:6379/6"
EXPOSED_PASSWORD = "the-password-that-leaked-1"  # noqa: S105 (made-up accounts)
# The new password is checked against the exposed one, then stored. Enrolling TOTP does
# not ask for it again while it was set minutes ago (allauth's reauthentication timeout).
HASHES_PER_JOURNEY = 2
RATIO_TARGET = 0.7
P99_LIMIT_S = 2.0
STEPS = ["request_code", "confirm_code", "new_password", "me", "checklist", "totp", "sign_out"]
DAY = 24 * 3600
# Told the site is busy, a customer types the password again a few seconds later.
BUSY_PAUSE_S = 5
BUSY_TRIES = 12
# Told the code is wrong, a customer types the one the app shows then.
CODE_TRIES = 3
# Password checks timed for the cost of one, before the arrivals and again after them.
HASH_SAMPLES = 7


# --- Inside Django (child processes) -----------------------------------------------------


def child_customers(count: int, csv_path: str) -> dict[str, Any]:
    """`count` accounts with the exposed password, and the CSV that marks them affected."""
    common.django_setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from incidents.models import Incident

    incident = Incident.objects.filter(is_published=True).order_by("pk").first()
    slugs = ";".join(incident.data_categories.values_list("slug", flat=True))
    encoded = make_password(EXPOSED_PASSWORD)  # one hash for all: the same password
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(email=f"customer{n}@example.com", password=encoded)
            for n in range(count)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    with open(csv_path, "w") as out:
        out.write("email,categories,tier,remedy_code\n")
        for u in users:
            out.write(f"{u.email},{slugs},standard,\n")
    return {"incident": incident.slug, "customers": len(users)}


def child_hash_cost(cpus: str) -> dict[str, Any]:
    """
    What one password check costs the server's CPUs: the CPU time of a check on them,
    the median of a few (the fastest of them too, for reference).
    """
    common.os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})
    common.django_setup()
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    encoded = make_password("a password")
    timings = []
    for _ in range(HASH_SAMPLES):
        started = time.process_time()
        check_password("a guess", encoded)
        timings.append(time.process_time() - started)
    return {
        "hasher": get_hasher().algorithm,
        "seconds": statistics.median(timings),
        "fastest_seconds": min(timings),
    }


# --- The SMTP sink: the codes people read ------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.codes: dict[str, str] = {}
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        code = common.SIGN_IN_CODE.search(body)
        with self.lock:
            self.count += 1
            if code:
                for to in envelope.rcpt_tos:
                    self.codes[to] = code[1]
            self.lock.notify_all()
        return "250 OK"

    def code_for(self, address: str, timeout: float = 30) -> str:
        with self.lock:
            self.lock.wait_for(lambda: address in self.codes, timeout)
            return self.codes.pop(address)


def journey(
    port: int, n: int, inbox: Inbox, timings: dict[str, list[float]]
) -> tuple[int, int, int]:
    """
    One customer's journey: how many times the password was told the site is busy, how
    many TOTP codes were typed again, and whether the password was asked for again.
    """
    import pyotp

    who = f"customer{n}@example.com"
    browser = common.Browser(port, f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")

    def step(name, action):
        started = time.perf_counter()
        result = action()
        timings[name].append(time.perf_counter() - started)
        return result

    def expect(status, wanted, what):
        if status != wanted:
            raise RuntimeError(f"{what}: {status}")

    def request_code():
        status, headers, _ = browser.submit("/en/accounts/login/code/", {"email": who})
        expect(status, 302, "request code")
        return headers["Location"]

    confirm_path = step("request_code", request_code)

    def confirm_code():
        code = inbox.code_for(who)
        status, headers, _ = browser.submit(confirm_path, {"code": code})
        expect(status, 302, "confirm code")
        return browser.follow(headers["Location"])

    path, page = step("confirm_code", confirm_code)

    def new_password():
        if 'name="password1"' not in page:
            raise RuntimeError(f"not asked for a new password at {path}")
        new = new_password_of[0] = f"a new and long passphrase {n} {random.random()}"
        status, _, _ = browser.submit(path, {"password1": new, "password2": new}, page=page)
        expect(status, 302, "new password")

    new_password_of = [""]
    step("new_password", new_password)
    step("me", lambda: expect(browser.request("GET", "/en/me/")[0], 200, "/me/"))
    step(
        "checklist",
        lambda: expect(browser.request("GET", "/en/me/security/")[0], 200, "checklist"),
    )

    def totp():
        activate, page = browser.follow("/en/accounts/2fa/totp/activate/")
        if 'name="password"' in page:  # allauth asks for the password again first
            asked_again[0] = 1
            for _ in range(BUSY_TRIES):
                status, headers, again = browser.submit(
                    activate, {"password": new_password_of[0]}, page=page
                )
                if status == 302 or common.BUSY_PAGE not in again:
                    break
                told_busy[0] += 1
                time.sleep(BUSY_PAUSE_S)
            expect(status, 302, "reauthenticate")
            activate, page = browser.follow(headers["Location"])
        secret = re.search(r"secret=([A-Z2-7]+)", page)
        if not secret:
            raise RuntimeError(f"no TOTP secret at {activate}")
        app = pyotp.TOTP(secret[1])
        for _ in range(CODE_TRIES):
            # As a person reads the app (and tests/e2e/steps.py's code_from): the server takes
            # a code in its own 30-second window only, so in a window's last 5 s, the next.
            seconds_left = app.interval - time.time() % app.interval
            if seconds_left < 5:
                time.sleep(seconds_left)
            status, _, _ = browser.submit(activate, {"code": app.now()}, page=page)
            if status == 302:
                break
            # A slow answer can reach the server in the next window: the code was refused,
            # and the person types the one the app shows now.
            codes_again[0] += 1
        expect(status, 302, "TOTP")

    told_busy, codes_again, asked_again = [0], [0], [0]
    step("totp", totp)
    step(
        "sign_out",
        lambda: expect(browser.submit("/en/accounts/logout/", {})[0], 302, "sign out"),
    )
    return told_busy[0], codes_again[0], asked_again[0]


# --- The run -------------------------------------------------------------------------------


def run_rate(port, rate, customers, inbox, server_cpu, worker_cpu) -> dict[str, Any]:
    """Customers arriving as a Poisson process at `rate` a second; wait for all to finish."""
    timings: dict[str, list[float]] = {name: [] for name in STEPS}
    errors: list[str] = []
    done: list[float] = []
    told_busy: list[int] = []
    codes_again: list[int] = []
    asked_again: list[int] = []
    lock = threading.Lock()

    def one(n):
        try:
            busy, again, asked = journey(port, n, inbox, timings)
            with lock:
                done.append(time.monotonic())
                told_busy.append(busy)
                codes_again.append(again)
                asked_again.append(asked)
        except Exception as error:  # counted, and the first few shown
            with lock:
                errors.append(f"{type(error).__name__}: {error}")

    rng = random.Random(common.SEED + int(rate * 1000))
    emails_before, server_before, worker_before = inbox.count, server_cpu(), worker_cpu()
    started = time.monotonic()
    threads, at = [], started
    for n in customers:
        at += rng.expovariate(rate)
        time.sleep(max(0.0, at - time.monotonic()))
        thread = threading.Thread(target=one, args=(n,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    elapsed = max(done or [time.monotonic()]) - started
    time.sleep(2)  # the last emails (password changed, 2FA on) leave the outbox
    count = len(done)
    return {
        "arrival_rate_per_s": round(rate, 3),
        "journeys": count,
        "errors": len(errors),
        # Journeys asked for the password again before TOTP: those slower than allauth's
        # reauthentication timeout from the new password to the authenticator app.
        "journeys_asked_for_the_password_again": sum(asked_again),
        # Journeys whose password, typed again before TOTP, was told the site is busy and
        # typed again after a pause (the tries in all): past the ceiling, the bounded wait.
        "journeys_told_busy": sum(1 for n in told_busy if n),
        "busy_retries": sum(told_busy),
        # Journeys whose TOTP code reached the server after its window and was typed again.
        "journeys_typed_a_code_again": sum(1 for n in codes_again if n),
        "error_samples": errors[:5],
        "journeys_per_s": round(count / elapsed, 3) if elapsed else 0.0,
        # The web server's CPU (what its cores can serve), and the worker's (the emails).
        "server_cpu_s_per_journey": round((server_cpu() - server_before) / max(count, 1), 3),
        "worker_cpu_s_per_journey": round((worker_cpu() - worker_before) / max(count, 1), 3),
        "emails_per_journey": round((inbox.count - emails_before) / max(count, 1), 2),
        "steps": {
            name: {
                "p50_ms": round(common.percentile(values, 0.5) * 1000, 1),
                "p99_ms": round(common.percentile(values, 0.99) * 1000, 1),
            }
            for name, values in timings.items()
            if values
        },
    }


def capacity(hash_s: float, cpu_per_journey: float) -> list[dict[str, Any]]:
    """Cores to serve N journeys spread over 24 h: the hash floor, and what was measured."""
    rows = []
    for people in (100_000, 1_000_000):
        rate = people / DAY
        rows.append(
            {
                "customers_over_24h": people,
                "journeys_per_s_average": round(rate, 2),
                "cores_at_hash_floor": round(rate * hash_s * HASHES_PER_JOURNEY, 2),
                "cores_measured_cpu": round(rate * cpu_per_journey, 2),
                # Arrivals bunch: the first hours after the emails go out carry ~4x the average.
                "cores_for_4x_peak": math.ceil(4 * rate * cpu_per_journey),
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--rates", default="0.5,0.8,1.1", help="fractions of the ceiling")
    parser.add_argument(
        "--server-cpus",
        type=int,
        help="give the web server this many CPUs of its own (the last ones) and everything"
        " else (this load generator, the worker, the SMTP sink, PostgreSQL, Redis) the"
        " others; the ceiling is then the server's CPUs'. Default: half the machine's CPUs"
        " when it has two or more; 0: all share all CPUs",
    )
    args = parser.parse_args()
    if args.server_cpus is None:
        args.server_cpus = len(common.os.sched_getaffinity(0)) // 2
    from aiosmtpd.controller import Controller

    # Stopped (timeout, kill): the clean-up below still runs, and gives PostgreSQL and
    # Redis back every CPU.
    signal.signal(signal.SIGTERM, common.exit_on_sigterm)

    machine_cpus = sorted(common.os.sched_getaffinity(0))
    server_cpus = set(machine_cpus[-args.server_cpus :]) if args.server_cpus else set(machine_cpus)
    other_cpus = set(machine_cpus) - server_cpus or set(machine_cpus)
    cpus = len(server_cpus)
    inbox = Inbox()
    smtp = Controller(inbox, hostname=HOST, port=common.free_port())
    smtp.start()
    env = common.site_env(
        DB_NAME,
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=BROKER_URL,
        EMAIL_URL=f"smtp://{HOST}:{smtp.port}",
        DJANGO_TRUSTED_PROXY_COUNT="1",
        CANDOR_HASHING_CORES=str(cpus),  # the server's: its password budget is sized on them
    )
    work = Path(tempfile.mkdtemp(prefix="candor-day-"))
    log = (work / "server.log").open("w+")
    common.recreate_database(DB_NAME)
    common.flush_redis(REDIS_URL, BROKER_URL)
    try:
        say(f"preparing {args.customers} affected customers on PostgreSQL")
        common.demo_site_prepare(env)
        csv_path = work / "affected.csv"
        made = run_django(env, "customers", str(args.customers), str(csv_path))
        common.manage(env, "import_exposures", made["incident"], str(csv_path))
        on_server_cpus = ",".join(str(cpu) for cpu in sorted(server_cpus))
        cost = run_django(env, "hash", on_server_cpus)
        ceiling = cpus / (cost["seconds"] * HASHES_PER_JOURNEY)
        say(f"one {cost['hasher']} check: {cost['seconds'] * 1000:.0f} ms of CPU (median of"
            f" {HASH_SAMPLES}, fastest {cost['fastest_seconds'] * 1000:.0f} ms) on the"
            f" server's CPUs; {cpus} CPUs; ceiling {ceiling:.2f} journeys/s")  # fmt: skip
        fractions = [float(f) for f in args.rates.split(",")]
        per_rate = args.customers // len(fractions)
        # As deploy/ runs it: gthread, 32 threads, the web unit's keep-alive and max-requests.
        extra = ("--worker-class", "gthread", "--threads", "32", *common.deploy_gunicorn_options())
        with (
            common.services_kept_on(other_cpus if args.server_cpus else server_cpus),
            common.Workers(env, 1, "prefork", log, "day") as workers,
            common.serving_master(env, cpus, log, extra) as (port, server),
        ):
            server_cpu = lambda: common.group_cpu_seconds(server.pid)  # noqa: E731
            if args.server_cpus:
                common.pin_group(server.pid, server_cpus)
                for proc in workers.procs:
                    common.pin_group(proc.pid, other_cpus)
                common.pin_process(Path("/proc/self"), other_cpus)  # the SMTP sink's thread too
                say(f"the server on CPUs {sorted(server_cpus)}; the rest, PostgreSQL and"
                    f" Redis on {sorted(other_cpus)}")  # fmt: skip
            runs = []
            for i, fraction in enumerate(fractions):
                people = range(i * per_rate, (i + 1) * per_rate)
                say(f"arrivals at {fraction:g} x ceiling ({fraction * ceiling:.2f}/s), "
                    f"{per_rate} customers")  # fmt: skip
                result = run_rate(
                    port, fraction * ceiling, people, inbox, server_cpu, workers.cpu_seconds
                )
                result["cpu_s_per_journey"] = round(
                    result["server_cpu_s_per_journey"] + result["worker_cpu_s_per_journey"], 3
                )
                say(f"  {result['journeys_per_s']} journeys/s, {result['errors']} errors,"
                    f" {result['journeys_asked_for_the_password_again']} asked for the"
                    f" password again, {result['journeys_told_busy']} told busy and tried again,"
                    f" {result['journeys_typed_a_code_again']} typed a TOTP code again,"
                    f" {result['server_cpu_s_per_journey']} CPU s of the server's,"
                    f" {result['worker_cpu_s_per_journey']} of the worker's and"
                    f" {result['emails_per_journey']} emails a journey")  # fmt: skip
                for name, step in result["steps"].items():
                    say(
                        f"    {name:13} p50 {step['p50_ms']:7.0f} ms  p99 {step['p99_ms']:7.0f} ms"
                    )
                runs.append({"fraction_of_ceiling": fraction, **result})
        # The machine's speed can drift over a long run (its neighbours): measured again.
        cost_after = run_django(env, "hash", on_server_cpus)
        say(f"one check after the arrivals: {cost_after['seconds'] * 1000:.0f} ms of CPU")
    finally:
        smtp.stop()
        common.drop_database(DB_NAME)
    best = max(run["journeys_per_s"] for run in runs)
    told_busy = sum(run["journeys_told_busy"] for run in runs)
    crossed = next(
        (
            run["arrival_rate_per_s"]
            for run in runs
            if any(s["p99_ms"] > P99_LIMIT_S * 1000 for s in run["steps"].values())
        ),
        None,
    )
    cpu_per_journey = max(run["cpu_s_per_journey"] for run in runs)
    summary = {
        "customers": args.customers,
        "cpus": cpus,
        "server_cpus_of_its_own": bool(args.server_cpus),
        "hash": cost,
        "hash_after_the_arrivals": cost_after,
        "hashes_per_journey": HASHES_PER_JOURNEY,
        "ceiling_journeys_per_s": round(ceiling, 3),
        "best_journeys_per_s": best,
        "ratio_to_ceiling": round(best / ceiling, 3),
        "arrival_rate_where_a_p99_crossed_2s": crossed,
        "errors": sum(run["errors"] for run in runs),
        "journeys_told_busy": told_busy,
        "runs": runs,
        "capacity": capacity(cost["seconds"], cpu_per_journey),
    }
    say("capacity over 24 hours:")
    for row in summary["capacity"]:
        say(f"  {row['customers_over_24h']:>9,}: {row['journeys_per_s_average']}/s on average,"
            f" {row['cores_at_hash_floor']} cores of hashing, {row['cores_measured_cpu']} cores"
            f" as measured, {row['cores_for_4x_peak']} for a 4x peak")  # fmt: skip
    ok = summary["errors"] == 0 and summary["ratio_to_ceiling"] >= RATIO_TARGET
    verdict = (
        f"{'PASS' if ok else 'FAIL'}: {best} journeys/s = {summary['ratio_to_ceiling']:.2f} of"
        f" the ceiling (target {RATIO_TARGET}), {summary['errors']} errors; {told_busy}"
        f" journeys told the site was busy and tried again"
    )
    common.finish(RESULTS_FILE, summary, verdict)
    return 0 if ok else 1


def run_django(env: dict[str, str], what: str, *args: str) -> dict[str, Any]:
    """One of the children above, inside Django, in a process of its own; its JSON answer."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", what, *args],
        cwd=common.REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind = sys.argv[2]
        if kind == "customers":
            print(json.dumps(child_customers(int(sys.argv[3]), sys.argv[4])))
        else:
            print(json.dumps(child_hash_cost(sys.argv[3])))
        sys.exit(0)
    sys.exit(main())
