"""
Benchmark of the affected-people import (COPY against bulk_create) and of the /me/ lookup.

A breach can affect millions of people, and their list arrives as one CSV
(`email,categories,tier,remedy_code`). The comms team uploads it in the admin;
a background task imports it with `incidents/services/imports/`, which on
PostgreSQL COPYs the parsed rows into an unindexed staging table and merges
them in digest order, and elsewhere merges chunks with bulk_create. The import
must be fast (the notice waits for it), keep its memory flat however large the
file (it runs next to the web processes), and leave a table that answers
"was I affected?" at once. This script measures all three, on this machine:

1. writes a synthetic CSV of N rows (default 1,000,000), streamed to a temporary
   file: unique addresses (some in mixed case), one to four of the demo's data
   category slugs, a tenth in the priority tier with a remedy code, and where each
   person lives (country and region columns, some left empty);
2. creates a fresh PostgreSQL database (`candor_bench_import`), migrates it,
   loads the demo (`seed_demo`) and adds two published incidents with the
   demo's categories, one per import path;
3. imports the file twice, each time in a child process (a production
   environment: debug off, random keys) through the admin's code path,
   `import_file_check` then `import_batch_run` on a new ImportBatch: first with
   `method="orm"` (bulk_create) into one incident, then with `method="copy"`
   into the other. For a fair comparison the exposure table is emptied
   (TRUNCATE) and PostgreSQL checkpointed before each, so both start from an
   empty table with no pending writes. COPY goes last so that the lookups below
   read the table production would have. Each child reports its peak RSS
   (VmHWM) and where its time went: parsing (CSV, validation, HMAC digests),
   SQL statements by kind (the merge, bulk inserts, progress updates), the
   commits (where PostgreSQL runs the deferred foreign-key checks, one per
   row), and the rest of the write (for COPY: streaming rows to the staging
   table; for bulk_create: building and comparing model instances);
4. creates 2,000 users with one verified address each, half of them addresses
   from the file and half not, runs VACUUM ANALYZE (what autovacuum does in
   the minute after a large import; here it cannot start during the timing)
   and, in a third child, times one `accounts.selectors.user_exposure_report`
   per user (what /me/ does, without the template), checking every answer; then
   times `incidents.selectors.incident_reach` on the million-row incident (the
   counts per country, region and data category that the incident's admin page
   and the regulators' drafts show), checking its total;
5. drops the database, also when something fails.

Rows per second cover the whole import a user waits for: the file check plus
the run. Peak memory is the child's whole process (Python, Django and the
import) and must not grow with the file: compare runs with different --rows.

Usage, from the repository root:

    .venv/bin/python bench/import_exposures.py [--rows N]

Human-readable lines come first; the last line printed is one JSON object,
which is also written to bench/results/import_exposures.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common import (
    DOMAINS,
    PRIORITY_SHARE,
    RESULTS_DIR,
    SEED,
    admin_execute,
    app_env,
    database_dsn,
    django_setup,
    drop_database,
    exit_on_sigterm,
    finish,
    manage,
    percentile,
    recreate_database,
    remedy_code,
    run_child,
    say,
    warn_if_busy,
)
from psycopg import sql

RESULTS_FILE = RESULTS_DIR / "import_exposures.json"
SCRIPT = Path(__file__).resolve()

DB_NAME = "candor_bench_import"
BENCH_DSN = database_dsn(DB_NAME)
EXPOSURE_TABLE = "incidents_exposure"

DEFAULT_ROWS = 1_000_000
LOOKUPS = 2_000
LOOKUP_WARMUP = 20

COPY_ROWS_PER_S_MIN = 100_000
COPY_VS_ORM_MIN = 5.0
PEAK_RSS_MB_MAX = 300.0
LOOKUP_P99_MS_MAX = 10.0
REACH_MS_MAX = 2_000.0  # the incident's admin page counts its million people this fast
REACH_RUNS = 5

# The demo's data categories (portal/demo.py); every row has "email" and up to three more.
CATEGORY_SLUGS = ["email", "password-hash", "phone", "date-of-birth", "postal-address"]
FIRST_NAMES = ["alice", "bob", "chloe", "dmitri", "emeka", "fatima", "goran", "hana", "ivan"]

INCIDENTS = {"orm": "bench-import-orm", "copy": "bench-import-copy"}
# Where people live: ISO codes (country, region); a sixth of the rows say nothing.
PLACES = [("DE", ""), ("DE", "DE-BE"), ("FR", ""), ("IN", "IN-MH"), ("US", "US-CA"), ("", "")]


@dataclass(frozen=True)
class Sample:
    """Addresses for the lookups: some from the file (affected), some not."""

    affected: list[str]
    not_affected: list[str]


@dataclass
class ImportResult:
    """What one import child measured."""

    method: str
    rows: int
    created: int
    rejected: int
    check_s: float
    run_s: float
    rss_before_mb: float
    peak_rss_mb: float
    # Where run_s went: parsing, SQL by kind, the rest of the write, everything else.
    phases_s: dict[str, float] = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        return self.check_s + self.run_s

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.total_s if self.total_s else 0.0


@dataclass(frozen=True)
class LookupResult:
    """What the lookup child measured."""

    lookups: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    plan: str
    # incident_reach on the million-row incident: median and slowest of REACH_RUNS.
    reach_ms: float = 0.0
    reach_max_ms: float = 0.0
    reach_places: int = 0


# --- Shared helpers ----------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=DEFAULT_ROWS,
        help=f"rows in the synthetic CSV (default {DEFAULT_ROWS:,})",
    )
    # The parent runs this same file as its child processes.
    parser.add_argument("--child", choices=["setup", "import", "lookups"], help=argparse.SUPPRESS)
    parser.add_argument("--method", choices=["copy", "orm"], help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    return args


def memory_mb(field_name: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


# --- Parent: data, database, children ----------------------------------------------------


def import_env(media_root: Path) -> dict[str, str]:
    """The environment of a production deployment, pointed at the bench database."""
    return app_env(
        DB_NAME,
        DJANGO_SETTINGS_MODULE="portal.settings",
        # Error reports (none expected) go to the run's temporary directory.
        DJANGO_MEDIA_ROOT=str(media_root),
    )


def synthetic_rows(rows: int, rng: random.Random) -> Iterator[tuple[str, ...]]:
    """Rows of the affected-people CSV, one at a time; every address is unique."""
    for n in range(rows):
        name = FIRST_NAMES[n % len(FIRST_NAMES)]
        email = f"{name}.{n}@{DOMAINS[n % len(DOMAINS)]}"
        if n % 7 == 0:
            email = email.capitalize()  # normalised (lower-cased) by the import
        extra = rng.sample(CATEGORY_SLUGS[1:], k=rng.randint(0, 3))
        categories = ";".join(["email", *extra])
        place = PLACES[n % len(PLACES)]
        if rng.random() < PRIORITY_SHARE:
            yield email, categories, "priority", remedy_code(rng), *place
        else:
            yield email, categories, "standard", "", *place


def write_csv(path: Path, rows: int, rng: random.Random) -> Sample:
    """Stream the CSV to `path`; return addresses to look up afterwards."""
    half = LOOKUPS // 2
    picked = set(rng.sample(range(rows), k=min(half, rows)))
    affected: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "categories", "tier", "remedy_code", "country", "region"])
        for n, row in enumerate(synthetic_rows(rows, rng)):
            writer.writerow(row)
            if n in picked:
                affected.append(row[0])
    not_affected = [f"not-affected.{n}@example.org" for n in range(LOOKUPS - len(affected))]
    return Sample(affected=affected, not_affected=not_affected)


def empty_exposures() -> None:
    """Both imports start from an empty table, with no dirty pages left to write."""
    admin_execute(
        sql.SQL("TRUNCATE {}").format(sql.Identifier(EXPOSURE_TABLE)), "CHECKPOINT", dsn=BENCH_DSN
    )


def import_in_child(env: dict[str, str], method: str, csv_path: Path) -> ImportResult:
    empty_exposures()
    data = run_child(SCRIPT, env, "--child", "import", "--method", method, "--csv", str(csv_path))
    result = ImportResult(**data)
    if result.created != result.rows or result.rejected:
        raise RuntimeError(
            f"{method}: {result.created:,} new and {result.rejected:,} rejected "
            f"of {result.rows:,} rows; every row should be new"
        )
    return result


def describe_import(result: ImportResult) -> list[str]:
    lines = [
        f"{result.method:<4} {result.rows_per_s:10,.0f} rows/s  {result.total_s:7.2f} s "
        f"(check {result.check_s:.2f} s + run {result.run_s:.2f} s)  "
        f"peak RSS {result.peak_rss_mb:6.1f} MB (before the import {result.rss_before_mb:.1f} MB)"
    ]
    for phase, seconds in sorted(result.phases_s.items(), key=lambda item: -item[1]):
        share = 100 * seconds / result.run_s if result.run_s else 0.0
        per_row_us = 1e6 * seconds / result.rows
        lines.append(
            f"       {phase:<28} {seconds:7.2f} s  {share:5.1f} %  {per_row_us:6.2f} µs/row"
        )
    return lines


# --- Children: run inside Django ---------------------------------------------------------


def child_setup() -> dict[str, Any]:
    """Two published incidents like the demo's, with all its categories: one per import."""
    from incidents.models import DataCategory, Incident
    from incidents.services import incident_save

    categories = list(DataCategory.objects.all())
    for method, slug in INCIDENTS.items():
        incident_save(
            incident=Incident(
                slug=slug,
                title=f"Benchmark incident ({method} import)",
                summary="A synthetic incident for the import benchmark.",
                what_happened="Synthetic.",
                what_we_are_doing="Synthetic.",
                message_standard="You were affected.",
                message_priority="You were affected, and we are paying for credit monitoring.",
                is_published=True,
            ),
            data_categories=categories,
        )
    return {"incidents": list(INCIDENTS.values()), "categories": len(categories)}


class PhaseTimer:
    """
    Where an import's time goes, timed per chunk and per statement, not per row.

    Wraps `batched` where the merges call it (time spent producing each chunk of
    parsed rows: CSV, validation, HMAC), the merge function (`merge_copy` or
    `merge_orm`) where the batch runner calls it, the connection's commit
    (deferred foreign-key checks run there) and, through Django's
    execute_wrapper, every SQL statement, classified. A helper that the imports
    package no longer has is simply not timed.
    """

    def __init__(self) -> None:
        self.parse_s = 0.0
        self.merge_s = 0.0
        self.sql_s: dict[str, float] = {}
        self.sql_in_merge_s = 0.0
        self._in_merge = False

    def install(self, imports: Any, connection: Any) -> None:
        # Each name is replaced in the module that looks it up when it is called.
        for module in (imports.postgres, imports.orm):
            if hasattr(module, "batched"):
                module.batched = self._timed_batched(module.batched)
        for name in ("merge_copy", "merge_orm"):
            if hasattr(imports.batches, name):
                setattr(imports.batches, name, self._timed_merge(getattr(imports.batches, name)))
        commit = connection.commit

        def timed_commit() -> None:
            started = time.perf_counter()
            try:
                commit()
            finally:
                self._record("sql: COMMIT (deferred FK)", time.perf_counter() - started)

        connection.commit = timed_commit

    def _timed_batched(self, batched: Callable[..., Iterator[list]]) -> Callable[..., Any]:
        def timed(rows: Any, size: int) -> Iterator[list]:
            chunks = batched(rows, size)
            while True:
                started = time.perf_counter()
                chunk = next(chunks, None)
                self.parse_s += time.perf_counter() - started
                if chunk is None:
                    return
                yield chunk

        return timed

    def _timed_merge(self, merge: Callable[..., tuple[int, int]]) -> Callable[..., Any]:
        def timed(*args: Any) -> tuple[int, int]:
            self._in_merge = True
            started = time.perf_counter()
            try:
                return merge(*args)
            finally:
                self.merge_s += time.perf_counter() - started
                self._in_merge = False

        return timed

    def _record(self, kind: str, elapsed: float) -> None:
        self.sql_s[kind] = self.sql_s.get(kind, 0.0) + elapsed
        if self._in_merge:
            self.sql_in_merge_s += elapsed

    @staticmethod
    def statement_kind(statement: str) -> str:
        text = " ".join(statement[:200].split())
        if text.startswith("WITH latest AS"):
            return "sql: merge staging → table"
        if text.startswith(("CREATE TEMP", "TRUNCATE exposure", "DROP TABLE exposure")):
            return "sql: staging table DDL"
        if text.startswith(f'INSERT INTO "{EXPOSURE_TABLE}"'):
            return "sql: bulk_create INSERT"
        if text.startswith(f'UPDATE "{EXPOSURE_TABLE}"'):
            return "sql: bulk_update UPDATE"
        if text.startswith(f'SELECT "{EXPOSURE_TABLE}".'):
            return "sql: SELECT existing rows"
        if "incidents_importbatch" in text:
            return "sql: batch progress/state"
        return "sql: other"

    def execute(self, execute: Callable, statement: str, params: Any, many: bool, context: Any):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            self._record(self.statement_kind(statement), time.perf_counter() - started)

    def phases(self, method: str, run_s: float) -> dict[str, float]:
        write = "COPY rows to staging" if method == "copy" else "ORM objects, compare"
        phases = {"parse: CSV, validate, HMAC": self.parse_s}
        phases.update(self.sql_s)
        phases[f"write: {write}"] = self.merge_s - self.parse_s - self.sql_in_merge_s
        sql_outside = sum(self.sql_s.values()) - self.sql_in_merge_s
        phases["other (outside the merge)"] = run_s - self.merge_s - sql_outside
        return {name: round(seconds, 3) for name, seconds in phases.items()}


def child_import(method: str, csv_path: Path) -> dict[str, Any]:
    """One import through the admin's code path, timed by phase; peak RSS at the end."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    from incidents.models import ImportBatch, Incident
    from incidents.services import imports

    timer = PhaseTimer()
    timer.install(imports, connections[DEFAULT_DB_ALIAS])
    incident = Incident.objects.get(slug=INCIDENTS[method])
    rss_before = memory_mb("VmRSS")
    reported = [0]

    def progress(done: int) -> None:
        # A line at every tenth of the file, like the admin's progress bar.
        if total and done * 10 // total > reported[0]:
            reported[0] = done * 10 // total
            say(f"{method}: {done:,}/{total:,} rows, {memory_mb('VmRSS'):.0f} MB RSS")

    with csv_path.open("rb") as source:
        started = time.perf_counter()
        total = imports.import_file_check(source)
        checked = time.perf_counter()
        batch = ImportBatch.objects.create(
            incident=incident, original_name=csv_path.name, total_rows=total
        )
        with connection.execute_wrapper(timer.execute):
            imports.import_batch_run(batch=batch, source=source, method=method, progress=progress)
        finished = time.perf_counter()
    batch.refresh_from_db()
    run_s = finished - checked
    result = ImportResult(
        method=method,
        rows=total,
        created=batch.created_count,
        rejected=batch.rejected_count,
        check_s=round(checked - started, 3),
        run_s=round(run_s, 3),
        rss_before_mb=round(rss_before, 1),
        peak_rss_mb=round(memory_mb("VmHWM"), 1),
        phases_s=timer.phases(method, run_s),
    )
    return asdict(result)


def create_users(emails: list[str]) -> list[Any]:
    """One user per address, each verified: the people who sign in to /me/."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users = []
    for email in emails:
        user = user_model(email=email)
        user.set_unusable_password()
        users.append(user)
    users = user_model.objects.bulk_create(users, batch_size=1000)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=1000,
    )
    return users


def child_lookups(sample_path: Path) -> dict[str, Any]:
    """Time one /me/ report per user, in random order, and check each answer."""
    from django.db import connection

    from accounts.selectors import user_exposure_report
    from incidents.digest import email_digest
    from incidents.models import Exposure, Incident
    from incidents.selectors import incident_reach

    sample = Sample(**json.loads(sample_path.read_text()))
    affected = set(create_users(sample.affected))
    users = [*affected, *create_users(sample.not_affected)]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rng = random.Random(SEED)
    rng.shuffle(users)
    target = Incident.objects.get(slug=INCIDENTS["copy"]).pk
    for user in users[:LOOKUP_WARMUP]:
        user_exposure_report(user=user)

    timings_ms: list[float] = []
    wrong = 0
    for user in users:
        started = time.perf_counter()
        _, report = user_exposure_report(user=user)
        timings_ms.append((time.perf_counter() - started) * 1000)
        hit = any(i.id == target and i.affected for i in report)
        wrong += hit != (user in affected)
    if wrong:
        raise RuntimeError(f"{wrong} of {len(users)} lookups gave the wrong answer")

    incident_ids = list(Incident.objects.published().values_list("pk", flat=True))
    plan = Exposure.objects.filter(
        incident_id__in=incident_ids, email_digest__in=[email_digest(users[0].email)]
    ).explain()
    reach_ms, reach = [], None
    incident = Incident.objects.get(pk=target)
    for _ in range(REACH_RUNS):
        started = time.perf_counter()
        reach = incident_reach(incident=incident)
        reach_ms.append((time.perf_counter() - started) * 1000)
    expected = Exposure.objects.filter(incident_id=target).count()
    if reach.people != expected or sum(reach.countries.values()) != expected:
        raise RuntimeError(f"incident_reach counted {reach.people:,} of {expected:,} people")
    result = LookupResult(
        lookups=len(timings_ms),
        p50_ms=round(percentile(timings_ms, 0.50), 3),
        p99_ms=round(percentile(timings_ms, 0.99), 3),
        max_ms=round(max(timings_ms), 3),
        plan=plan,
        reach_ms=round(percentile(reach_ms, 0.50), 1),
        reach_max_ms=round(max(reach_ms), 1),
        reach_places=len(reach.places),
    )
    return asdict(result)


def child_main(args: argparse.Namespace) -> int:
    django_setup()
    if args.child == "setup":
        result = child_setup()
    elif args.child == "import":
        result = child_import(args.method, args.csv)
    else:
        result = child_lookups(args.sample)
    print(json.dumps(result), flush=True)
    return 0


# --- Report ------------------------------------------------------------------------------


def summarise(
    rows: int,
    csv_mb: float,
    imports: dict[str, ImportResult],
    lookups: LookupResult,
    load_before: float,
) -> dict[str, Any]:
    copy, orm = imports["copy"], imports["orm"]
    ratio = copy.rows_per_s / orm.rows_per_s if orm.rows_per_s else 0.0
    peak = max(copy.peak_rss_mb, orm.peak_rss_mb)
    meets = (
        copy.rows_per_s >= COPY_ROWS_PER_S_MIN
        and ratio >= COPY_VS_ORM_MIN
        and peak <= PEAK_RSS_MB_MAX
        and lookups.p99_ms <= LOOKUP_P99_MS_MAX
        and lookups.reach_ms <= REACH_MS_MAX
    )
    return {
        "rows": rows,
        "csv_mb": round(csv_mb, 1),
        "copy_rows_per_s": round(copy.rows_per_s),
        "orm_rows_per_s": round(orm.rows_per_s),
        "copy_vs_orm": round(ratio, 2),
        "copy_seconds": round(copy.total_s, 2),
        "orm_seconds": round(orm.total_s, 2),
        "copy_peak_rss_mb": copy.peak_rss_mb,
        "orm_peak_rss_mb": orm.peak_rss_mb,
        "peak_rss_mb": peak,
        "copy_phases_s": copy.phases_s,
        "orm_phases_s": orm.phases_s,
        "lookups": lookups.lookups,
        "p50_ms": lookups.p50_ms,
        "p99_ms": lookups.p99_ms,
        "reach_ms": lookups.reach_ms,
        "reach_max_ms": lookups.reach_max_ms,
        "reach_places": lookups.reach_places,
        "load_average_before": load_before,
        "targets": {
            "copy_rows_per_s_min": COPY_ROWS_PER_S_MIN,
            "copy_vs_orm_min": COPY_VS_ORM_MIN,
            "peak_rss_mb_max": PEAK_RSS_MB_MAX,
            "lookup_p99_ms_max": LOOKUP_P99_MS_MAX,
            "reach_ms_max": REACH_MS_MAX,
        },
        "meets_targets": meets,
    }


# --- Main --------------------------------------------------------------------------------


def run(rows: int) -> dict[str, Any]:
    # Other work on this machine takes CPU from both the import and PostgreSQL.
    load = warn_if_busy("low")
    with tempfile.TemporaryDirectory(prefix="candor-bench-import-") as work_dir:
        work = Path(work_dir)
        env = import_env(work / "media")
        csv_path = work / "affected-people.csv"
        started = time.perf_counter()
        sample = write_csv(csv_path, rows, random.Random(SEED))
        csv_mb = csv_path.stat().st_size / 2**20
        elapsed = time.perf_counter() - started
        say(f"{rows:,} rows written to a {csv_mb:.1f} MB CSV in {elapsed:.1f} s")
        sample_path = work / "sample.json"
        sample_path.write_text(json.dumps(asdict(sample)))

        say(f"database {DB_NAME}: recreating, migrating, loading the demo")
        recreate_database(DB_NAME)
        try:
            manage(env, "migrate", "--noinput")
            manage(env | {"DJANGO_DEBUG": "true"}, "seed_demo")  # debug only: see common
            run_child(SCRIPT, env, "--child", "setup")
            imports: dict[str, ImportResult] = {}
            for method in ("orm", "copy"):
                say(f"{method} import into {INCIDENTS[method]} (exposure table emptied first)")
                imports[method] = import_in_child(env, method, csv_path)
                for line in describe_import(imports[method]):
                    say(line)
            say(f"/me/ lookups: {LOOKUPS:,} users, half of them on the list")
            lookups = LookupResult(
                **run_child(SCRIPT, env, "--child", "lookups", "--sample", str(sample_path))
            )
        finally:
            drop_database(DB_NAME)
    say(f"plan of the exposure query:\n  {lookups.plan.replace(chr(10), chr(10) + '  ')}")
    say(
        f"lookups: p50 {lookups.p50_ms:.2f} ms  p99 {lookups.p99_ms:.2f} ms  "
        f"max {lookups.max_ms:.2f} ms"
    )
    say(
        f"counts per place and data category (incident_reach): median {lookups.reach_ms:.0f} ms, "
        f"slowest {lookups.reach_max_ms:.0f} ms of {REACH_RUNS}, {lookups.reach_places} places"
    )
    return summarise(rows, csv_mb, imports, lookups, load)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    summary = run(args.rows)
    verdict = (
        f"COPY {summary['copy_rows_per_s']:,} rows/s (target >= {COPY_ROWS_PER_S_MIN:,}), "
        f"{summary['copy_vs_orm']:.2f}x bulk_create (target >= {COPY_VS_ORM_MIN:g}); "
        f"peak RSS {summary['peak_rss_mb']:.0f} MB (target <= {PEAK_RSS_MB_MAX:.0f}); "
        f"lookup p99 {summary['p99_ms']:.2f} ms (target <= {LOOKUP_P99_MS_MAX:g}); "
        f"counting {summary['reach_ms']:.0f} ms (target <= {REACH_MS_MAX:g}); "
        f"meets targets: {summary['meets_targets']}"
    )
    finish(RESULTS_FILE, summary, verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
