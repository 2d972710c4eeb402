import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.checks import Tags, run_checks
from django.test import override_settings

SETUP = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
# Production-strength keys, for the tests that start Candor with debug off.
STRONG_SECRET_KEY = "k" * 30 + "-a-long-random-looking-value-for-checks"
STRONG_DIGEST_KEY = "d7Qv-8rT2xNwL4pZ9sKe3mYb6hJc1fGa"


def start(**env_vars):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "EXPOSURE_DIGEST_KEY"
    }
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings"} | env_vars
    return subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = start(DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("key", ["short", "dev-only-insecure-key-do-not-use-in-production"])
def test_production_refuses_a_weak_secret_key(key):
    result = start(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY=key, EXPOSURE_DIGEST_KEY=STRONG_DIGEST_KEY
    )

    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_production_starts_with_strong_keys():
    result = start(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_SECRET_KEY,
        EXPOSURE_DIGEST_KEY=STRONG_DIGEST_KEY,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_starts_with_debug_and_no_other_configuration():
    result = start(DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_debug_is_off_unless_asked_for():
    result = start(DJANGO_SECRET_KEY=STRONG_SECRET_KEY, EXPOSURE_DIGEST_KEY=STRONG_DIGEST_KEY)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("value", ["1", "yes", "on", "ture", ""])
def test_debug_is_on_only_for_the_word_true(value):
    result = start(
        DJANGO_DEBUG=value,
        DJANGO_SECRET_KEY=STRONG_SECRET_KEY,
        EXPOSURE_DIGEST_KEY=STRONG_DIGEST_KEY,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_without_debug_or_keys_candor_refuses_and_says_how_to_develop():
    result = start()

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "DJANGO_DEBUG=true" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["a" * 50, "abab" * 20, "django-insecure-" + STRONG_SECRET_KEY, "s" * 20 + "hort"],
)
def test_production_refuses_a_guessable_secret_key(key):
    result = start(DJANGO_SECRET_KEY=key, EXPOSURE_DIGEST_KEY=STRONG_DIGEST_KEY)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


@pytest.mark.parametrize("key", ["x", "x" * 40, "dev-only-exposure-digest-key", "short-1234"])
def test_production_refuses_a_weak_exposure_digest_key(key):
    result = start(DJANGO_SECRET_KEY=STRONG_SECRET_KEY, EXPOSURE_DIGEST_KEY=key)

    assert result.returncode != 0
    assert "EXPOSURE_DIGEST_KEY is too weak" in result.stderr


def test_production_refuses_to_start_without_an_exposure_digest_key():
    result = start(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=STRONG_SECRET_KEY)

    assert result.returncode != 0
    assert "EXPOSURE_DIGEST_KEY is not set" in result.stderr


@override_settings(DEBUG=False, SECRET_KEY="a" * 50, EXPOSURE_DIGEST_KEY="x")
def test_deployment_check_names_weak_keys():
    ids = {
        message.id for message in run_checks(tags=[Tags.security], include_deployment_checks=True)
    }

    assert {"candor.E001", "candor.E002"} <= ids


@override_settings(
    DEBUG=False, SECRET_KEY=STRONG_SECRET_KEY, EXPOSURE_DIGEST_KEY=STRONG_DIGEST_KEY
)
def test_deployment_check_accepts_strong_keys():
    ids = {
        message.id for message in run_checks(tags=[Tags.security], include_deployment_checks=True)
    }

    assert not ids & {"candor.E001", "candor.E002"}


def test_check_deploy_names_the_development_keys_a_debug_setup_runs_on():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EXPOSURE_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "candor.E001" in result.stderr and "candor.E002" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": STRONG_SECRET_KEY,
        "EXPOSURE_DIGEST_KEY": STRONG_DIGEST_KEY,
        "DJANGO_ALLOWED_HOSTS": "status.example.com",
    }
    result = subprocess.run(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_host_bound_and_same_site():
    flags = (
        "SESSION_COOKIE_NAME SESSION_COOKIE_SECURE SESSION_COOKIE_HTTPONLY "
        "SESSION_COOKIE_SAMESITE CSRF_COOKIE_NAME CSRF_COOKIE_SECURE CSRF_COOKIE_SAMESITE "
        "LANGUAGE_COOKIE_SECURE SECURE_HSTS_SECONDS SECURE_SSL_REDIRECT"
    )
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {flags.split()!r}}}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": STRONG_SECRET_KEY,
        "EXPOSURE_DIGEST_KEY": STRONG_DIGEST_KEY,
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.splitlines()[-1])

    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["LANGUAGE_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_SSL_REDIRECT"]


def settings_as_started(script: str, **env_vars) -> dict:
    """What `script` prints (one JSON object) after starting Candor with `env_vars`."""
    ours = ("DJANGO_", "SUPPORT_", "EMAIL_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "true"} | env_vars
    result = subprocess.run(
        [sys.executable, "-c", "import django, json; django.setup(); " + script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_each_apps_environment_variables_reach_its_settings():
    values = settings_as_started(
        "from incidents.conf import app_settings as i; from support.conf import app_settings "
        "as s; print(json.dumps([i.PAGE_ID, i.EXPOSURE_IMPORT_MAX_BYTES, "
        "s.FIRST_RESPONSE_HOURS]))",
        CANDOR_PAGE_ID="example-corp",
        EXPOSURE_IMPORT_MAX_BYTES="1000",
        SUPPORT_HOURS_URGENT="1",
    )

    assert values == [
        "example-corp", 1000, {"urgent": 1, "high": 4, "normal": 24, "low": 72}
    ]  # fmt: skip


def test_the_email_url_sets_the_smtp_server():
    values = settings_as_started(
        "from django.conf import settings as s; print(json.dumps([s.EMAIL_BACKEND, "
        "s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
        "s.EMAIL_USE_TLS, s.EMAIL_USE_SSL]))",
        EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.com:587",
    )

    assert values == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com", 587, "mailer", "s3cret", True, False,
    ]  # fmt: skip


def test_without_an_email_url_mail_is_printed_to_the_console():
    values = settings_as_started(
        "from django.conf import settings as s; print(json.dumps(s.EMAIL_BACKEND))"
    )

    assert values == "django.core.mail.backends.console.EmailBackend"


BUDGET = (
    "import os; os.cpu_count = lambda: 64; import django; django.setup(); "
    "from core.conf import app_settings; from core.password_budget import hash_seconds; "
    "print(app_settings.PASSWORD_CHECKS_PER_SECOND, hash_seconds())"
)


@pytest.mark.parametrize(
    ("variables", "share_of_cores"),
    [({}, 0.5 * 2), ({"CANDOR_HASHING_CORES": "8"}, 0.5 * 8),
     ({"CANDOR_HASHING_CORES": "8", "CANDOR_PASSWORD_SHARE": "0.25"}, 0.25 * 8)],
)  # fmt: skip
def test_the_default_password_budget_is_a_share_of_the_sites_cores_at_the_measured_cost(
    variables, share_of_cores
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANDOR_")}
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "true"} | variables

    result = subprocess.run(
        [sys.executable, "-c", BUDGET], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    budget, seconds = result.stdout.split()
    # The settings' cores, not this machine's: a 64-core web server gets the same.
    assert float(budget) == pytest.approx(share_of_cores / float(seconds))
    assert 0.01 < float(seconds) < 5  # PBKDF2 measured, not the tests' MD5


@pytest.mark.parametrize(("value", "budget"), [("7", 7), ("0.5", 0.5), ("0", 0)])
def test_a_password_budget_set_is_taken_as_it_is(value, budget):
    env = dict(os.environ) | {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "true",
        "CANDOR_PASSWORD_CHECKS_PER_SECOND": value,
    }

    result = subprocess.run(
        [sys.executable, "-c", BUDGET], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split()[0]) == budget


def manage(*args):
    """manage.py as a person runs it on a fresh machine: no DJANGO_* and no keys set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "EXPOSURE_DIGEST_KEY"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_commands_that_read_only_the_code_run_without_keys():
    result = manage("makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_other_commands_still_refuse_to_start_without_keys():
    result = manage("migrate", "--plan")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


PROXY_HEADER = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SECURE_PROXY_SSL_HEADER)"
)


@pytest.mark.parametrize(
    ("count", "header"), [("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")]
)
def test_x_forwarded_proto_is_believed_only_behind_a_declared_proxy(count, header):
    env = dict(os.environ) | {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "true",
        "DJANGO_TRUSTED_PROXY_COUNT": count,
    }

    result = subprocess.run(
        [sys.executable, "-c", PROXY_HEADER], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == header


def deploy_env(**replaced):
    """deploy/candor.env.example as a deployment's environment, some values replaced."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CANDOR_", "EXPOSURE_", "DATABASE_", "REDIS_", "CELERY_"))
        and k != "EMAIL_URL"
    }
    example = settings.BASE_DIR / "deploy" / "candor.env.example"
    for line in example.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value
    return env | replaced


def test_the_deploy_environment_template_passes_the_deployment_checks_once_keys_are_set():
    env = deploy_env(DJANGO_SECRET_KEY=STRONG_SECRET_KEY, EXPOSURE_DIGEST_KEY=STRONG_DIGEST_KEY)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_environment_templates_placeholders_cannot_be_used_as_they_are():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR, env=deploy_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak for production" in result.stderr


POOLED = """
import threading
from django.db import connection
pids = set()
def page():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.3)")
        pids.add(cursor.fetchone()[0])
    connection.close()  # as at the end of a request: back to the pool
threads = [threading.Thread(target=page) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
from django.conf import settings as s
print(json.dumps([len(pids), s.DATABASES["default"]["CONN_MAX_AGE"]]))
"""


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL)",
)
def test_with_a_pool_a_process_threads_share_a_few_postgresql_connections():
    """Six threads asking at once, as gunicorn's do, use the pool's two connections."""
    from urllib.parse import urlsplit, urlunsplit

    # The server's own database: the query needs no table of ours.
    server = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres"))
    values = settings_as_started(POOLED, DATABASE_URL=server, DATABASE_POOL_MAX_SIZE="2")

    assert values == [2, 0]
