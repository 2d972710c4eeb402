"""
Mozilla's HTTP Observatory scan of the app as production serves it, over TLS on localhost.

The HTTP Observatory grades a site's security headers, cookies and redirects
(CSP, HSTS, X-Content-Type-Options, Referrer-Policy, cross-origin policies,
HTTP to HTTPS redirection, ...). Mozilla publishes the scanner itself as an npm
package (`@mdn/mdn-http-observatory`); this script runs it against this
checkout, on this machine:

1. installs the scanner (pinned) into bench/.node/ (ignored by git) unless it
   is there; its install script downloads Mozilla's intermediate certificates,
   which a localhost scan does not need, so scripts are skipped;
2. makes a throwaway certificate authority and a certificate for `localhost`
   signed by it (openssl), which node trusts through NODE_EXTRA_CA_CERTS;
3. creates a fresh PostgreSQL database (`candor_bench_observatory`) with the
   demo (`seed_demo`) and serves it as production does (debug off, random keys,
   Redis cache, manifest static files): gunicorn with TLS on port 443, and a
   second gunicorn on port 80 for plain HTTP, where Django redirects to HTTPS
   (SECURE_SSL_REDIRECT). The scanner takes no port, so these two are needed:
   run as root;
4. scans `localhost` and reports the grade, the score and every failed test;
5. stops both servers and drops the database, also when something fails.

Target: A+.

Usage, from the repository root (as root, for ports 80 and 443):

    .venv/bin/python bench/observatory.py

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/observatory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common
from common import say

RESULTS_FILE = common.RESULTS_DIR / "observatory.json"
DB_NAME = "candor_bench_observatory"
REDIS_URL = "redis://127.0.0.1:6379/4"
SCANNER = "@mdn/mdn-http-observatory@1.4.8"
NODE_DIR = common.REPO / "bench" / ".node"
SCAN_JS = NODE_DIR / "node_modules" / "@mdn" / "mdn-http-observatory" / "src" / "scan.js"
HTTPS_PORT, HTTP_PORT = 443, 80
TARGET = "A+"


def ensure_scanner() -> Path:
    if not SCAN_JS.exists():
        if not shutil.which("npm"):
            raise RuntimeError("npm is needed to install the HTTP Observatory scanner")
        say(f"installing {SCANNER} into {NODE_DIR.relative_to(common.REPO)}/")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        command = ["npm", "install", "--prefix", str(NODE_DIR), "--ignore-scripts"]
        command += ["--no-audit", "--no-fund", "--loglevel", "error", SCANNER]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not SCAN_JS.exists():
            raise RuntimeError(f"npm install failed: {done.stderr[-2000:]}")
    preload = SCAN_JS.parent.parent / "conf" / "hsts-preload.json"
    if not preload.exists():
        # The install script downloads Chromium's HSTS preload list; try once more, and
        # without a network use an empty list: localhost is on no preload list anyway.
        retrieve = [str(SCAN_JS.parent / "retrieve-hsts.js")]
        subprocess.run(["node", *retrieve], capture_output=True, check=False, timeout=60)
        if not preload.exists():
            say("Chromium's HSTS preload list could not be downloaded: using an empty one")
            preload.write_text("{}\n")
    return SCAN_JS


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_certificates(work: Path) -> dict[str, Path]:
    """A throwaway CA and a certificate for localhost (and 127.0.0.1) that it signed."""
    ca_key, ca_cert = work / "ca.key", work / "ca.pem"
    key, csr, cert = work / "localhost.key", work / "localhost.csr", work / "localhost.pem"
    ext = work / "localhost.ext"
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=Candor bench CA", "-keyout", str(ca_key), "-out", str(ca_cert),
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", str(key), "-out", str(csr),
    )  # fmt: skip
    ext.write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
    )
    openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(cert),
    )  # fmt: skip
    return {"ca": ca_cert, "key": key, "cert": cert}


def wait_answering(*procs: subprocess.Popen[str]) -> None:
    """Both servers answer: plain HTTP with the redirect to HTTPS, TLS with a handshake."""
    deadline = time.monotonic() + common.HEALTH_TIMEOUT_S
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    while True:
        if any(proc.poll() is not None for proc in procs):
            raise RuntimeError("gunicorn exited (are ports 80 and 443 free?)")
        try:
            status, _, _ = common.request(HTTP_PORT, "/healthz")
            with socket.create_connection((common.HOST, HTTPS_PORT), timeout=2) as raw:
                context.wrap_socket(raw, server_hostname="localhost").close()
            if status in (200, 301):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer on ports 80 and 443")
        time.sleep(0.2)


def scan(scan_js: Path, ca: Path) -> dict[str, Any]:
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca)}
    done = subprocess.run(
        ["node", str(scan_js), "localhost"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"scanner: {done.stdout[-2000:]}{done.stderr[-2000:]}") from None
    if "error" in report:
        raise RuntimeError(f"the scanner failed: {report['error']}")
    return report


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    tests = report["tests"]
    failed = {
        name: {"result": t.get("result"), "score_modifier": t.get("scoreModifier")}
        for name, t in sorted(tests.items())
        if not t.get("pass")
    }
    below_full = {
        name: t.get("result")
        for name, t in sorted(tests.items())
        if t.get("pass") and (t.get("scoreModifier") or 0) < 0
    }
    return {
        "grade": report["scan"]["grade"],
        "score": report["scan"]["score"],
        "tests_passed": report["scan"].get("testsPassed"),
        "tests_failed": report["scan"].get("testsFailed"),
        "failed": failed,
        "passed_with_penalty": below_full,
        "results": {name: t.get("result") for name, t in sorted(tests.items())},
        "target": TARGET,
        "meets_target": report["scan"]["grade"] == TARGET,
    }


def run() -> dict[str, Any]:
    if os.geteuid() != 0:
        raise RuntimeError("run as root: the scanner only knows ports 443 and 80")
    scan_js = ensure_scanner()
    with tempfile.TemporaryDirectory(prefix="candor-bench-observatory-") as work_dir:
        work = Path(work_dir)
        certs = make_certificates(work)
        env = common.app_env(
            DB_NAME,
            REDIS_URL=REDIS_URL,
            DJANGO_STATIC_MANIFEST="true",
            DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
            DJANGO_MEDIA_ROOT=str(work / "media"),
        )
        say(f"database {DB_NAME}: recreating, migrating, loading the demo")
        common.recreate_database(DB_NAME)
        common.flush_redis(REDIS_URL)
        try:
            common.demo_site_prepare(env)
            with (work / "gunicorn.log").open("w+") as log:
                tls = ("--certfile", str(certs["cert"]), "--keyfile", str(certs["key"]))
                https = common.start_gunicorn(env, HTTPS_PORT, 1, log, extra=tls)
                http = common.start_gunicorn(env, HTTP_PORT, 1, log)
                try:
                    wait_answering(https, http)
                    say("gunicorn: https://localhost/ (TLS) and http://localhost/; scanning")
                    report = scan(scan_js, certs["ca"])
                finally:
                    common.stop_gunicorn(https)
                    common.stop_gunicorn(http)
                    log.seek(0)
                    server_log = log.read().strip()
                    if server_log:
                        say("gunicorn log (last lines):\n" + server_log[-2000:])
        finally:
            common.drop_database(DB_NAME)
            common.flush_redis(REDIS_URL)
    return summarise(report)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.strip().splitlines()[0]).parse_args(argv)
    signal.signal(signal.SIGTERM, common.exit_on_sigterm)
    summary = run()
    for name, result in summary["results"].items():
        mark = "FAIL" if name in summary["failed"] else "pass"
        say(f"  {mark}  {name}: {result}")
    verdict = (
        f"HTTP Observatory grade {summary['grade']}, score {summary['score']} "
        f"(target {TARGET}); failed: {', '.join(summary['failed']) or 'none'}"
    )
    common.finish(RESULTS_FILE, summary, verdict)
    # A measurement: the JSON says whether the grade met the target.
    return 0


if __name__ == "__main__":
    sys.exit(main())
