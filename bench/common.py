"""
Helpers shared by the benchmark scripts in bench/.

Each script runs the app as production does (debug off, random keys) against a
PostgreSQL database of its own, created for the run and dropped after it, and
prints human-readable lines, then one JSON object as its last line, which it
also writes to bench/results/. This module holds what they have in common:
the child processes' environment, the databases and Redis, manage.py and the
scripts' own child processes, gunicorn, the results; and, for the scripts that
send mail (fanout, fault_smtp, fault_worker_kill, fault_redis), the SMTP sink,
the Celery workers and the campaign they send.

The scripts run as `.venv/bin/python bench/NAME.py`, so bench/ is on sys.path
and they `import common`. The SMTP sink, and the children that run inside Django
for several scripts (the campaign's setup and send, the sweep), run this file.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import html
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
import redis
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"

# The browser the topology test uses too (tests/http_browser.py), from the repository.
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))
from tests import http_browser  # noqa: E402

HOST = "127.0.0.1"
# Every CPU this script may use, read before a script keeps some of them for the server.
MACHINE_CPUS = frozenset(os.sched_getaffinity(0))
PG_PORT = 5432
PG_ADMIN_DSN = f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres"

# Inherited variables that would change what is measured; the bench sets its own.
APP_ENV_PREFIXES = (
    "DJANGO_",
    "CANDOR_",
    "DATABASE_",
    "REDIS_",
    "CELERY_",
    "EMAIL_",
    "EXPOSURE_",
)

# The synthetic affected-people CSVs.
SEED = 20261118
DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "post.example"]
PRIORITY_SHARE = 0.1
REMEDY_ALPHABET = string.ascii_uppercase + string.digits


# --- Output and results ------------------------------------------------------------------


def say(line: str) -> None:
    print(line, flush=True)


def write_results(path: Path, summary: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    partial.replace(path)


def finish(path: Path, summary: dict[str, Any], verdict: str) -> None:
    """Write the results file, then print the verdict and, last, the summary as one line."""
    write_results(path, summary)
    say(verdict)
    print(json.dumps(summary, ensure_ascii=False), flush=True)


def exit_on_sigterm(signum: int, frame: object) -> None:
    # Turned into SystemExit so the `finally` blocks still stop the children and drop the DB.
    sys.exit(128 + signum)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def warn_if_busy(effect: str) -> float:
    """Other work on this machine takes CPU from what is measured; `effect` says how."""
    load = os.getloadavg()[0]
    if load > 0.5:
        say(f"warning: load average {load:.1f} before the run: the figures will be {effect}")
    return round(load, 2)


def process_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- The app's environment ---------------------------------------------------------------


def random_secret_key(length: int = 50) -> str:
    """A fresh production-strength secret (DJANGO_SECRET_KEY and the like) for this run."""
    alphabet = string.ascii_letters + string.digits + "!#%+-=_@^*"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def clean_env() -> dict[str, str]:
    """This process's environment without the variables that configure the app."""
    return {k: v for k, v in os.environ.items() if not k.startswith(APP_ENV_PREFIXES)}


def app_env(db_name: str, *, db_port: int = PG_PORT, **settings: str) -> dict[str, str]:
    """
    The environment of a production deployment, pointed at the bench database: debug
    off, fresh random keys, and `settings` (more variables) on top.
    """
    env = clean_env()
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=random_secret_key(),
        EXPOSURE_DIGEST_KEY=random_secret_key(),
        DATABASE_URL=database_url(db_name, db_port),
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def site_env(db_name: str, *, db_port: int = PG_PORT, **settings: str) -> dict[str, str]:
    """
    As app_env(), for the demo site served by the bench's gunicorn: plain HTTP (no
    redirect to HTTPS), on this machine's host names, static files as collected.
    """
    return app_env(
        db_name,
        db_port=db_port,
        DJANGO_STATIC_MANIFEST="true",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        **settings,
    )


def django_setup() -> None:
    """For a child process that runs inside Django."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


# --- PostgreSQL and Redis ----------------------------------------------------------------


def database_url(name: str, port: int = PG_PORT) -> str:
    return f"postgres://postgres@{HOST}:{port}/{name}"


def database_dsn(name: str, port: int = PG_PORT) -> str:
    return f"postgresql://postgres@{HOST}:{port}/{name}"


def admin_execute(*statements: sql.Composable | str, dsn: str = PG_ADMIN_DSN) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate_database(name: str, port: int = PG_PORT) -> None:
    identifier = sql.Identifier(name)
    admin_execute(
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier),
        sql.SQL("CREATE DATABASE {}").format(identifier),
        dsn=database_dsn("postgres", port),
    )


def drop_database(name: str, port: int = PG_PORT) -> None:
    admin_execute(
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
        dsn=database_dsn("postgres", port),
    )


def flush_redis(*urls: str) -> None:
    for url in urls:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            client.flushdb()
        finally:
            client.close()


class PrivatePostgres:
    """
    A PostgreSQL cluster of the script's own, in a temporary directory on its own port,
    for the fault scripts to stop and start: the machine's shared server (5432) serves
    other people's tests and is never touched. Runs as the `postgres` user when we are root.
    """

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="candor-bench-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()

    def _pg(self, tool: str, *args: str) -> None:
        runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*runner, str(self.BIN / tool), *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} exited with {done.returncode}: {done.stderr[-2000:]}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c fsync=off"
        log = str(self.dir / "server.log")
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut, as when the database server goes away."""
        if (self.data / "postmaster.pid").exists():
            self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class PrivateRedis:
    """A Redis server of the script's own (no persistence), to stop and start; see above."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="candor-bench-redis-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self.start()

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.dir)]
        self._proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while True:
            client = redis.Redis(host=HOST, port=self.port, socket_connect_timeout=0.5)
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
            finally:
                client.close()

    def stop(self) -> None:
        if self._proc is not None:
            stop_process_group(self._proc)
        self._proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PrivateRedis:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- Child processes ---------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> None:
    """Run one manage.py command; show its output only when it fails."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        say(done.stdout + done.stderr)
        raise RuntimeError(f"manage.py {' '.join(args)} exited with {done.returncode}")


def run_child(script: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    """
    Run a bench script as a child process; echo its lines and return its last one, a JSON
    object. Its stderr is shown only when it fails.
    """
    command = [sys.executable, str(script), *args]
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        last = ""
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                if line.startswith("{"):
                    last = line
                else:
                    say(f"  {line}")
            returncode = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if returncode != 0 or not last:
            errors.seek(0)
            say(errors.read()[-4000:])
            raise RuntimeError(f"child {' '.join(args[:2])} exited with {returncode}")
    return json.loads(last)


# --- gunicorn and HTTP -------------------------------------------------------------------

REQUEST_TIMEOUT_S = 5.0
HEALTH_TIMEOUT_S = 30.0


def start_gunicorn(
    env: dict[str, str],
    port: int,
    workers: int,
    log: IO[str],
    *,
    extra: tuple[str, ...] = (),
) -> subprocess.Popen[str]:
    """gunicorn as in production (sync workers), in its own process group."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "portal.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        *extra,
    ]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=log, text=True, start_new_session=True
    )


# The options of deploy/'s web unit that shape how gunicorn keeps connections and workers.
DEPLOY_WEB_UNIT = REPO / "deploy" / "systemd" / "candor-web@.service"
DEPLOY_GUNICORN_OPTIONS = (
    "--timeout",
    "--graceful-timeout",
    "--keep-alive",
    "--max-requests",
    "--max-requests-jitter",
)


def deploy_gunicorn_options() -> tuple[str, ...]:
    """
    Those options as deploy/systemd/candor-web@.service sets them, read from it: behind
    nginx's pool of kept-alive connections, gunicorn's default keep-alive (2 s) closed a
    connection as nginx sent a sign-in on it, and the sign-in got a 502 (nginx sends a POST
    only once); the unit keeps them 75 s, longer than nginx's 60.
    """
    line = next(
        ln for ln in DEPLOY_WEB_UNIT.read_text().splitlines() if ln.startswith("ExecStart=")
    )
    words = line.split()
    options: list[str] = []
    for name in DEPLOY_GUNICORN_OPTIONS:
        if name in words:
            options += [name, words[words.index(name) + 1]]
    return tuple(options)


def stop_gunicorn(proc: subprocess.Popen[str]) -> None:
    """Graceful stop (SIGTERM), then SIGKILL to the whole group if the master does not exit."""
    stop_process_group(proc, timeout=15)


@contextlib.contextmanager
def serving(
    env: dict[str, str], workers: int, log: IO[str], extra: tuple[str, ...] = ()
) -> Iterator[int]:
    """gunicorn on a free port, healthy, for the `with` block; its port. Stopped after."""
    with serving_master(env, workers, log, extra) as (port, _):
        yield port


@contextlib.contextmanager
def serving_master(
    env: dict[str, str], workers: int, log: IO[str], extra: tuple[str, ...] = ()
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """As serving(), with gunicorn's master process too (its children are the workers)."""
    port = free_port()
    say(f"gunicorn: {workers} workers on http://{HOST}:{port}/ {' '.join(extra)}")
    proc = start_gunicorn(env, port, workers, log, extra=extra)
    try:
        wait_healthy(port, proc)
        yield port, proc
    finally:
        stop_gunicorn(proc)


def logged_errors(log: IO[str]) -> list[str]:
    """The lines of a server's log (the whole file) that report an error."""
    log.seek(0)
    return [line for line in log.read().splitlines() if " ERROR " in line]


def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = REQUEST_TIMEOUT_S,
    source: str | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """
    One request, redirects not followed: status, headers and body. From the address
    `source` (one of this machine's 127.0.0.0/8) if given: a client of its own behind the
    bench's proxy, which passes on the address it sees.
    """
    conn = http.client.HTTPConnection(
        HOST, port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """One GET, redirects not followed: status, headers and body."""
    status, headers, body = request(port, path)
    return status, dict(headers.items()), body


def wait_healthy(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode} before it was healthy")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, _ = get(port, "/healthz")
            if status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"/healthz did not answer 200 within {HEALTH_TIMEOUT_S:.0f} s")


def follow(port: int, path: str, *, cookie: str = "") -> str:
    """
    The path that answers 200 after following same-site redirects (a language prefix,
    a trailing slash): the load tools measure the page itself, not a redirect.
    """
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(5):
        status, answer, _ = request(port, path, headers=headers)
        if status == 200:
            return path
        location = answer.get("Location", "")
        if status not in (301, 302, 307, 308) or not location.startswith("/"):
            raise RuntimeError(f"GET {path} answered {status}, not 200")
        path = location
    raise RuntimeError(f"GET {path}: too many redirects")


def form_fields(page: str) -> dict[str, str]:
    """The named <input> values of an HTML page, e.g. the CSRF token."""
    fields = {}
    for tag in re.finditer(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag[0])
        value = re.search(r'\bvalue="([^"]*)"', tag[0])
        if name:
            fields[html.unescape(name[1])] = html.unescape(value[1]) if value else ""
    return fields


def cookies_from(headers: http.client.HTTPMessage) -> dict[str, str]:
    found = {}
    for line in headers.get_all("Set-Cookie") or []:
        name, _, rest = line.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def form_session(port: int, path: str, *, cookie: str = "") -> tuple[str, str]:
    """
    GET a form as a browser does: the Cookie header to post it with (the CSRF cookie
    added to `cookie`) and the form's CSRF token.
    """
    status, headers, body = request(port, path, headers={"Cookie": cookie} if cookie else {})
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}, not 200")
    jar = dict(c.split("=", 1) for c in cookie.split("; ") if "=" in c)
    jar.update(cookies_from(headers))
    token = form_fields(body.decode())["csrfmiddlewaretoken"]
    return "; ".join(f"{k}={v}" for k, v in jar.items()), token


def post(
    port: int,
    path: str,
    fields: dict[str, str],
    cookie: str,
    *,
    timeout: float = REQUEST_TIMEOUT_S,
    headers: dict[str, str] | None = None,
    source: str | None = None,
) -> int:
    """
    POST `fields` form-encoded with `cookie` (and any other `headers`), from `source` if
    given (see request()); the status.
    """
    status, _, _ = request(
        port,
        path,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            **(headers or {}),
        },
        body=urllib.parse.urlencode(fields).encode(),
        timeout=timeout,
        source=source,
    )
    return status


def post_form(port: int, path: str, fields: dict[str, str], *, cookie: str = "") -> int:
    """A browser's form post: GET the form (see form_session), then POST `fields` with it."""
    cookie, token = form_session(port, path, cookie=cookie)
    return post(port, path, {"csrfmiddlewaretoken": token, **fields}, cookie)


# The page a password sign-in gets when the site's budget of checks is spent (templates/
# 429.html, portal.account_adapter.BUSY_MESSAGE), and a sign-in code as the emails set it.
BUSY_PAGE = "Many people are signing in"
SIGN_IN_CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


class Browser(http_browser.Browser):
    """
    A person's browser on the bench's server, behind the one proxy the site trusts, from an
    address of its own (one of 127.0.0.0/8): it connects from it when `proxied` (the proxy
    passes it on), else sends it as the proxy would (X-Forwarded-For); its cookies kept,
    forms posted with their CSRF token.
    """

    def __init__(
        self, port: int, address: str, *, timeout: float = 60, proxied: bool = False
    ) -> None:
        super().__init__(port, host=HOST, timeout=timeout)
        self.address, self.proxied = address, proxied

    def connection(self) -> http.client.HTTPConnection:
        if not self.proxied:
            return super().connection()
        return http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout, source_address=(self.address, 0)
        )

    def headers(self, path: str) -> dict[str, str]:
        origin = f"http://{HOST}:{self.port}"
        forwarded = {} if self.proxied else {"X-Forwarded-For": self.address}
        return forwarded | {"Origin": origin, "Referer": origin + path}


# --- nginx in front, as deploy/ puts it ---------------------------------------------------

# deploy/nginx/candor.conf.in's upstream (a keepalive pool to the app servers), its proxy
# settings and its sign-in location (a storm's refusals kept a second), the files included as
# they are; over plain HTTP: TLS is the proxy machine's work.
PROXY_SITE = """
proxy_cache_path {folder}/refusals levels=1 keys_zone=candor_refusals:1m max_size=10m inactive=1m;
map "$request_method:$cookie_candor_browser" $candor_refusal_cache_skip {{
    "POST:" 0;
    default 1;
}}
upstream candor_app {{
    server {host}:{app_port} max_fails=2 fail_timeout=5s;
    keepalive 32;
    keepalive_timeout 60s;
}}
server {{
    listen {host}:{port};
    location ~ /accounts/login/$ {{
        proxy_pass http://candor_app;
        include {repo}/deploy/nginx/candor-proxy.conf;
        include {repo}/deploy/nginx/candor-refusals.conf;
    }}
    location / {{
        proxy_pass http://candor_app;
        include {repo}/deploy/nginx/candor-proxy.conf;
    }}
}}
"""


def ensure_nginx() -> str | None:
    """Debian's nginx, installed when missing and running as root."""
    return ensure_debian_tool("nginx", "nginx-light")


def start_proxy(folder: Path, app_port: int, port: int) -> subprocess.Popen[str]:
    """
    nginx on `port` in front of the app server on `app_port`, in its own process group,
    with deploy/'s proxy settings (the client's address in X-Forwarded-For, the keepalive
    pool). One worker, no access log. It passes the host name on without the port, so the
    site's DJANGO_CSRF_TRUSTED_ORIGINS names this one (as a deployment names its own).
    """
    nginx = ensure_nginx()
    if not nginx:
        raise RuntimeError("nginx is needed (apt-get install nginx-light)")
    user = "user root;\n" if os.geteuid() == 0 else ""
    site = PROXY_SITE.format(host=HOST, app_port=app_port, port=port, repo=REPO, folder=folder)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{site}
}}
"""
    )
    proc = subprocess.Popen(
        [nginx, "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return proc


# The demo site (seed_demo): its pages, as the public URL contract names them. Where a
# page answers now (a language prefix may come first) is found with follow().
DEMO_PATHS = {
    "home": "/",
    "incident": "/incidents/2026-11-customer-data-breach/",
    "faq": "/faq/",
    "feed": "/incidents/feed/",
    "api": "/api/v2/summary.json",
}


def demo_site_prepare(env: dict[str, str]) -> None:
    """Migrate the bench database, load the demo (seed_demo), collect the static files."""
    manage(env, "migrate", "--noinput")
    # seed_demo runs only with debug on (its passwords are published); the site it seeds
    # is then served with debug off.
    manage(env | {"DJANGO_DEBUG": "true"}, "seed_demo")
    manage(env, "collectstatic", "--noinput")


def signed_in_sessions(env: dict[str, str], count: int) -> list[str]:
    """Cookies of `count` signed-in customers (see child_signed_in_sessions)."""
    child = run_child(Path(__file__).resolve(), env, "--child", "sessions", "--count", str(count))
    return child["cookies"]


# --- wrk ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    """What one fixed-time load run against one URL measured."""

    requests: int
    rps: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    tool: str
    p50_ms: float = float("nan")
    timeouts: int = 0  # of the socket errors: no answer within REQUEST_TIMEOUT_S

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def ensure_debian_tool(command: str, package: str) -> str | None:
    """A command's path, its Debian package installed when missing and running as root."""

    def where() -> str | None:
        return shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin")

    found = where()
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    say(f"{command} is missing: installing the Debian package")
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    if subprocess.run(install, **quiet, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], **quiet, check=False)
        subprocess.run(install, **quiet, check=False)
    return where()


def ensure_wrk() -> str | None:
    """The wrk binary, installed from Debian when missing and running as root."""
    return ensure_debian_tool("wrk", "wrk")


_WRK_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _wrk_duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match[1]) * _WRK_UNITS_MS[match[2]]


def parse_wrk(output: str) -> LoadResult:
    """Requests, requests/sec, p50, p99 and error counts from `wrk --latency` output."""
    requests = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", output, re.MULTILINE)
    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE)
    if not (requests and rps and p50 and p99):
        raise RuntimeError(f"could not parse wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return LoadResult(
        requests=int(requests[1]),
        rps=float(rps[1]),
        p50_ms=_wrk_duration_ms(p50[1]),
        p99_ms=_wrk_duration_ms(p99[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        timeouts=int(sockets[4]) if sockets else 0,
        tool="wrk",
    )


def wrk_command(
    wrk: str,
    port: int,
    path: str,
    seconds: int,
    *,
    threads: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> list[str]:
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={REQUEST_TIMEOUT_S:.0f}s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    return [*command, f"http://{HOST}:{port}{path}"]


def run_wrk(command: list[str]) -> LoadResult:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited with {done.returncode}: {done.stderr.strip()}")
    return parse_wrk(done.stdout)


# --- Synthetic data ----------------------------------------------------------------------


def remedy_code(rng: random.Random) -> str:
    parts = ("".join(rng.choices(REMEDY_ALPHABET, k=4)) for _ in range(2))
    return "CM-" + "-".join(parts)


# --- The campaign of bench/fanout.py, fault_smtp.py and fault_worker_kill.py -------------

BROKER_URL = "redis://127.0.0.1:6379/5"
CACHE_URL = "redis://127.0.0.1:6379/6"
SITE_URL = "https://status.example.com"

# A run that stops making progress for this long has failed.
STALL_S = 60.0
POLL_S = 0.1

INCIDENT_SLUG = "bench-fanout"
CATEGORIES = [
    ("email", "Email address", "Expect phishing: we will never ask for your password."),
    ("password-hash", "Password (hashed)", "Set a new password, here and anywhere you reused it."),
    ("phone", "Phone number", "Be wary of calls and texts that claim to be from us."),
]

# The campaign: plain text with every placeholder, a longer one for the priority tier.
SUBJECT = "Important: {{ incident }}"
BODY = (
    "We are writing to tell you about {{ incident }}.\n\n"
    "Your {{ categories }} was involved. Here is what we advise:\n\n"
    "{{ advice }}\n\n"
    "To read the full notice, type {{ site_url }} into your browser yourself. "
    "We will never ask for your password by email, and this email has no links."
)
SUBJECT_PRIORITY = "We are sorry: {{ incident }}"
BODY_PRIORITY = (
    BODY + "\n\nBecause of what was involved, we are paying for two years of credit "
    "monitoring. Your enrollment code is {{ remedy_code }}."
)

MESSAGE_ID_HEADER = re.compile(rb"^message-id:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)


def campaign_env(*, db_name: str, smtp_port: int, media_root: Path) -> dict[str, str]:
    """The environment of a production deployment, pointed at the bench's database and sink."""
    return app_env(
        db_name,
        DJANGO_SETTINGS_MODULE="portal.settings",
        CELERY_BROKER_URL=BROKER_URL,
        REDIS_URL=CACHE_URL,
        EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
        CANDOR_SITE_URL=SITE_URL,
        # The imported CSV is kept here; the fan-out reads the addresses from it.
        DJANGO_MEDIA_ROOT=str(media_root),
    )


def write_recipients_csv(path: Path, rows: int, rng: random.Random) -> set[str]:
    """The affected-people CSV, streamed to `path`; returns its (unique) addresses."""
    addresses = set()
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "categories", "tier", "remedy_code"])
        for n in range(rows):
            email = f"person.{n}@{DOMAINS[n % len(DOMAINS)]}"
            addresses.add(email)
            extra = rng.sample([slug for slug, _, _ in CATEGORIES[1:]], k=rng.randint(0, 2))
            categories = ";".join(["email", *extra])
            if rng.random() < PRIORITY_SHARE:
                writer.writerow([email, categories, "priority", remedy_code(rng)])
            else:
                writer.writerow([email, categories, "standard", ""])
    return addresses


def child_campaign_setup(csv_path: Path) -> dict[str, Any]:
    """A published incident, its affected people imported from the CSV, and a campaign."""
    from django.core.files import File

    from incidents.models import DataCategory, ImportBatch, Incident
    from incidents.services import data_category_save, imports, incident_save
    from notifications.models import Campaign

    categories = [
        data_category_save(category=DataCategory(slug=slug, name=name, advice=advice))
        for slug, name, advice in CATEGORIES
    ]
    incident = incident_save(
        incident=Incident(
            slug=INCIDENT_SLUG,
            title="Customer data breach",
            summary="Someone copied customer records.",
            what_happened="An attacker used a stolen credential.",
            what_we_are_doing="We closed the access path.",
            is_published=True,
        ),
        data_categories=categories,
    )
    started = time.perf_counter()
    with csv_path.open("rb") as source:
        total = imports.import_file_check(source)
        batch = ImportBatch(incident=incident, original_name=csv_path.name, total_rows=total)
        # Kept as the batch's file, as an upload is: the fan-out reads the addresses there.
        batch.file.save(csv_path.name, File(source), save=False)
    batch.save()
    batch = imports.import_batch_run(batch=batch)
    imported_s = time.perf_counter() - started
    campaign = Campaign.objects.create(
        incident=incident,
        name="First notice",
        subject=SUBJECT,
        body=BODY,
        subject_priority=SUBJECT_PRIORITY,
        body_priority=BODY_PRIORITY,
    )
    return {
        "campaign_id": campaign.pk,
        "group": campaign.group,
        "imported": batch.created_count,
        "rejected": batch.rejected_count,
        "import_s": round(imported_s, 2),
    }


def child_campaign_send(campaign_id: int) -> dict[str, Any]:
    """What the admin's "send" does: the fan-out task is queued once this commits."""
    from notifications.models import Campaign
    from notifications.services import campaigns

    campaign = Campaign.objects.select_related("incident").get(pk=campaign_id)
    campaigns.campaign_send(campaign=campaign)
    return {"campaign": campaign_id}


def campaign_setup(env: dict[str, str], csv_path: Path) -> dict[str, Any]:
    """Run child_campaign_setup in a child process: the campaign's id and group, the counts."""
    return run_child(Path(__file__).resolve(), env, "--child", "setup", "--csv", str(csv_path))


def campaign_send(env: dict[str, str], campaign_id: int) -> None:
    """Run child_campaign_send in a child process: the campaign's fan-out is queued."""
    run_child(Path(__file__).resolve(), env, "--child", "send", "--campaign", str(campaign_id))


@contextlib.contextmanager
def campaign_database(
    env: dict[str, str], db_name: str, csv_path: Path
) -> Iterator[dict[str, Any]]:
    """
    A fresh database, migrated, with the campaign of the CSV's affected people (see
    campaign_setup), for the `with` block. After it, also when something failed, the
    database is dropped and the broker's and cache's Redis databases flushed.
    """
    flush_redis(BROKER_URL, CACHE_URL)
    recreate_database(db_name)
    try:
        manage(env, "migrate", "--noinput")
        yield campaign_setup(env, csv_path)
    finally:
        drop_database(db_name)
        flush_redis(BROKER_URL, CACHE_URL)


def outbox_counts(db_name: str, group: str) -> dict[str, int]:
    """The campaign's outbox rows by status."""
    with psycopg.connect(database_dsn(db_name)) as conn:
        rows = conn.execute(
            'SELECT status, count(*) FROM notifications_notification WHERE "group" = %s '
            "GROUP BY status",
            [group],
        ).fetchall()
    return {status: count for status, count in rows}


def wait_for_outbox_sent(
    db_name: str,
    group: str,
    expected: int,
    timeout: float = 60.0,
    *,
    alive: Callable[[], None] = lambda: None,
    progress: bool = False,
) -> None:
    """
    Every row of the campaign marked sent (the last batch is marked after its last send);
    `alive` raises if a worker died; with `progress`, the counts are shown as they change.
    """
    deadline = time.monotonic() + timeout
    reported: dict[str, int] = {}
    while True:
        counts = outbox_counts(db_name, group)
        if counts.get("sent", 0) == expected and sum(counts.values()) == expected:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the outbox was not all sent: {counts}")
        if progress and counts != reported:
            reported = counts
            say(f"  outbox: {counts}")
        alive()
        time.sleep(0.2)


# --- The SMTP sink (its own process: this file) ------------------------------------------


class CountingHandler:
    """aiosmtpd handler: keeps each message's Message-ID and recipients and when it arrived."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.messages: list[tuple[str, str]] = []
            self.message_ids: set[str] = set()
            self.first = self.last = 0.0
            self.cpu_at_reset = process_cpu_seconds()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrived = time.monotonic()
        head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID_HEADER.search(head)
        message_id = match[1].decode("ascii", "replace") if match else ""
        recipients = ",".join(envelope.rcpt_tos)
        with self._lock:
            if not self.messages:
                self.first = arrived
            self.last = arrived
            self.messages.append((message_id, recipients))
            self.message_ids.add(message_id)
        return "250 Message accepted for delivery"

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "count": len(self.messages),
                "unique": len(self.message_ids),
                "first": self.first,
                "last": self.last,
                "cpu": process_cpu_seconds() - self.cpu_at_reset,
            }

    def dump(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.messages)


def sink_main(port: int) -> int:
    """The sink child: serves SMTP on `port`, answers one JSON line per command on stdin."""
    import logging

    from aiosmtpd.controller import Controller

    # aiosmtpd logs every command at INFO; a hundred thousand messages would drown the run.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = CountingHandler()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    stopped = False
    print(json.dumps({"port": port}), flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                answer: dict[str, Any] = handler.stats()
            elif command == "messages":
                answer = {"messages": handler.dump()}
            elif command == "reset":
                handler.reset()
                answer = {"ok": True}
            elif command == "stop":
                # The port closes first, so the count given is final.
                controller.stop()
                stopped = True
                print(json.dumps({"messages": handler.dump()}), flush=True)
                break
            else:
                break
            print(json.dumps(answer), flush=True)
    finally:
        if not stopped:
            controller.stop()
    return 0


@dataclass(frozen=True)
class SinkStats:
    count: int
    unique: int
    first: float
    last: float
    cpu: float  # seconds of CPU the sink used since it was reset

    @property
    def duplicates(self) -> int:
        return self.count - self.unique

    @property
    def seconds(self) -> float:
        return self.last - self.first

    @property
    def rate(self) -> float:
        """Messages per second from the first message to the last."""
        return (self.count - 1) / self.seconds if self.count > 1 and self.seconds > 0 else 0.0


class Sink:
    """The SMTP sink child process, driven over its stdin and stdout."""

    def __init__(self, port: int | None = None) -> None:
        # A given port: a sink started again where the app sends (bench/fault_smtp.py).
        self.port = port or free_port()
        self._proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                "sink",
                "--port",
                str(self.port),
            ],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._lock = threading.Lock()
        try:
            ready = self._read()
            if ready.get("port") != self.port:
                raise RuntimeError(f"the SMTP sink did not start: {ready}")
        except BaseException:
            self._proc.kill()
            self._proc.wait()
            raise

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the SMTP sink exited with {self._proc.wait()}")
        return json.loads(line)

    def _ask(self, command: str) -> dict[str, Any]:
        assert self._proc.stdin is not None
        with self._lock:
            self._proc.stdin.write(command + "\n")
            self._proc.stdin.flush()
            return self._read()

    def stats(self) -> SinkStats:
        return SinkStats(**self._ask("stats"))

    def messages(self) -> list[tuple[str, str]]:
        """Every message so far as (Message-ID, recipients), oldest first."""
        return [(mid, rcpt) for mid, rcpt in self._ask("messages")["messages"]]

    def reset(self) -> None:
        self._ask("reset")

    def shut_down(self) -> list[tuple[str, str]]:
        """Stop serving (the port then refuses connections); every message it received."""
        messages = [(mid, rcpt) for mid, rcpt in self._ask("stop")["messages"]]
        self._proc.wait(timeout=10)
        return messages

    def stop(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(OSError):
                assert self._proc.stdin is not None
                self._proc.stdin.write("quit\n")
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def wait_for_messages(
    sink: Sink,
    expected: int,
    *,
    alive: Callable[[], None] = lambda: None,
    progress: bool = True,
    poll: float = POLL_S,
) -> SinkStats:
    """
    Wait until `expected` distinct messages arrived; `alive` raises if a worker died.
    Fails when nothing arrives for STALL_S seconds.
    """
    last_count, last_change, reported = -1, time.monotonic(), 0
    while True:
        stats = sink.stats()
        if stats.unique >= expected:
            return stats
        now = time.monotonic()
        if stats.count != last_count:
            last_count, last_change = stats.count, now
        elif now - last_change > STALL_S:
            raise RuntimeError(
                f"no mail for {STALL_S:.0f} s: {stats.unique:,} of {expected:,} arrived"
            )
        if progress and stats.unique * 10 // expected > reported:
            reported = stats.unique * 10 // expected
            say(f"  {stats.unique:,}/{expected:,} at the sink, {stats.rate:,.0f} emails/s so far")
        alive()
        time.sleep(poll)


def deliveries(
    messages: list[tuple[str, str]], expected: set[str]
) -> tuple[dict[str, list[str]], dict[str, int]]:
    """
    Who received what, from the sink's (Message-ID, recipients) pairs: each recipient
    (lower-cased) with the Message-IDs it received, oldest first; and the counts of
    messages received, expected recipients reached, missing and unexpected.
    """
    by_recipient: dict[str, list[str]] = {}
    for message_id, recipients in messages:
        for recipient in recipients.split(","):
            by_recipient.setdefault(recipient.lower(), []).append(message_id)
    counts = {
        "received": len(messages),
        "unique_recipients": len(by_recipient.keys() & expected),
        "missing": len(expected - by_recipient.keys()),
        "unexpected": len(by_recipient.keys() - expected),
    }
    return by_recipient, counts


# --- Celery workers ----------------------------------------------------------------------


def group_cpu_seconds(pgid: int) -> float:
    """CPU time of the live processes of a process group (a worker and its pool), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # pgrp; utime and stime follow at 11 and 12
                total += int(fields[11]) + int(fields[12])
    return total / tick


def pin_process(proc: Path, cpus: set[int]) -> None:
    """Keep a live process (its /proc directory) and all its threads on `cpus`."""
    for task in (proc / "task").iterdir():
        os.sched_setaffinity(int(task.name), cpus)


def pin_group(pgid: int, cpus: set[int]) -> int:
    """Keep a process group's live processes (and their threads) on `cpus`; how many."""
    pinned = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                pin_process(stat.parent, cpus)
                pinned += 1
    return pinned


@contextlib.contextmanager
def services_kept_on(cpus: set[int], names: tuple[str, ...] = ("postgres", "redis-server")):
    """
    Keep this machine's PostgreSQL and Redis (every process of those names, and the ones
    they start) on `cpus` for a while, then give them every CPU again: a web server
    measured on CPUs of its own, as where the database is a machine of its own.
    """
    every = MACHINE_CPUS | cpus

    def pin(to: set[int]) -> int:
        pinned = 0
        for comm in Path("/proc").glob("[0-9]*/comm"):
            with contextlib.suppress(OSError):
                if comm.read_text().strip() in names:
                    pin_process(comm.parent, to)
                    pinned += 1
        return pinned

    try:
        yield pin(cpus)
    finally:
        pin(every)


class Workers:
    """Celery worker processes, each in its own process group so a kill takes its children."""

    def __init__(self, env: dict[str, str], count: int, pool: str, log: IO[str], name: str):
        self.procs: list[subprocess.Popen[bytes]] = []
        self.log = log
        for n in range(count):
            command = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool",
                pool,
                "--concurrency",
                "1",
                "--hostname",
                f"{name}{n}-{secrets.token_hex(3)}@%h",
                "--loglevel",
                "WARNING",
                # Start-up chatter with other workers: none here, and it would only add noise.
                "--without-mingle",
                "--without-gossip",
            ]
            self.procs.append(
                subprocess.Popen(
                    command, cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True
                )
            )

    def cpu_seconds(self) -> float:
        return sum(group_cpu_seconds(proc.pid) for proc in self.procs)

    def check_alive(self) -> None:
        for proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a worker exited with {proc.returncode}: {self.log_tail()}")

    def log_tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """kill -9, as when the machine or the OOM killer takes the worker."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM: the current task finishes), then SIGKILL."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def child_signed_in_sessions(count: int) -> dict[str, Any]:
    """
    Session cookies of `count` customers of the demo's affected list (seed_demo), each
    signed in as Django's login() would sign them in, with a verified address and no
    forced password change: what the bench's signed-in readers of /me/ send.
    """
    from importlib import import_module

    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    store = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = []
    for n in range(count):
        # Every third demo customer was affected without their password (no forced reset).
        email = f"customer{3 * (n + 1):03d}@example.net"
        user = get_user_model().objects.create_user(email, random_secret_key())
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return {"cookies": cookies}


def start_beat(env: dict[str, str], work: Path, log: IO[str]) -> subprocess.Popen[bytes]:
    """Celery beat, as production runs it (the sweep every minute), in its own group."""
    command = [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "WARNING"]
    command += ["--schedule", str(work / "beat-schedule")]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True
    )


def stop_process_group(proc: subprocess.Popen[Any], timeout: float = 10) -> None:
    """SIGTERM to a child started in its own session, then SIGKILL to its whole group."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def child_outbox_sweep() -> dict[str, Any]:
    """
    The outbox part of the periodic notifications_sweep task, as Celery beat runs it every
    minute: stale claims back to pending, then a worker is asked to send.
    """
    from notifications import tasks
    from notifications.services import outbox

    due = outbox.notifications_sweep()
    if due:
        tasks.notifications_kick()
    return {"due": due}


def outbox_sweep(env: dict[str, str]) -> int:
    """Run the sweep once, as beat would (see child_outbox_sweep); how many rows were due."""
    return run_child(Path(__file__).resolve(), env, "--child", "sweep")["due"]


if __name__ == "__main__":
    # The SMTP sink's process, and children that run inside Django for several scripts.
    _parser = argparse.ArgumentParser(description="Child processes of the bench scripts.")
    _parser.add_argument(
        "--child", choices=["sink", "sessions", "sweep", "setup", "send"], required=True
    )
    _parser.add_argument("--port", type=int)
    _parser.add_argument("--count", type=int, default=4)
    _parser.add_argument("--csv", type=Path)
    _parser.add_argument("--campaign", type=int)
    _args = _parser.parse_args()
    if _args.child == "sink":
        sys.exit(sink_main(_args.port))
    django_setup()
    if _args.child == "sweep":
        _result = child_outbox_sweep()
    elif _args.child == "setup":
        _result = child_campaign_setup(_args.csv)
    elif _args.child == "send":
        _result = child_campaign_send(_args.campaign)
    else:
        _result = child_signed_in_sessions(_args.count)
    print(json.dumps(_result), flush=True)
