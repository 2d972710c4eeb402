"""
Candor settings: what a deployment changes, read from the environment (twelve-factor).

Every variable is documented in README.md. What every deployment shares is in
portal/base_settings.py, imported first; each app's own knobs have their defaults in
`<app>/conf.py`. The defaults are for development on one machine: SQLite under var/,
tasks run in-process, email printed to the console. Debug is off unless
DJANGO_DEBUG=true (as `make run` sets); with it off, the process refuses to start
without strong DJANGO_SECRET_KEY and EXPOSURE_DIGEST_KEY.
"""

import environ

from portal.base_settings import *  # noqa: F403
from portal.base_settings import BASE_DIR, CONTENT_SECURITY_POLICY, LOGGING
from portal.checks import (
    DEV_EXPOSURE_DIGEST_KEY,
    DEV_SECRET_KEY,
    EXPOSURE_DIGEST_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_LENGTH,
    production_key,
)

env = environ.Env()

# Off unless DJANGO_DEBUG=true: a deployment that forgets a variable fails closed (no
# debug pages, no development keys). `make run` and the tests set it. Only the word
# "true" turns it on: a stray "1" or "on" left in a deployment's environment does not.
DEBUG = env.str("DJANGO_DEBUG", default="").strip().lower() == "true"

SECRET_KEY = production_key(
    "DJANGO_SECRET_KEY", SECRET_KEY_MIN_LENGTH, DEV_SECRET_KEY, debug=DEBUG
)
# Keys the digests of affected people's emails; its own secret, so that rotating
# SECRET_KEY does not orphan the imported list. Changing it means re-importing.
EXPOSURE_DIGEST_KEY = production_key(
    "EXPOSURE_DIGEST_KEY", EXPOSURE_DIGEST_KEY_MIN_LENGTH, DEV_EXPOSURE_DIGEST_KEY, debug=DEBUG
)

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The one address customers should type; shown in the phishing advice and emails.
SITE_URL = env.str("CANDOR_SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = env.str("CANDOR_SITE_NAME", default="Example Corp status")
COMPANY_NAME = env.str("CANDOR_COMPANY_NAME", default="Example Corp")
SUPPORT_EMAIL = env.str("CANDOR_SUPPORT_EMAIL", default="help@example.com")
SUPPORT_PHONE = env.str("CANDOR_SUPPORT_PHONE", default="")

INSTALLED_APPS = [
    # Before the admin, whose forms it patches: registers incidents/translation.py.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "template_partials",
    "simple_history",
    "allauth",
    "allauth.account",
    "accounts.mfa_app.TwoFactorConfig",  # allauth.mfa, named in plain words
    "allauth.usersessions",
    "portal",
    "accounts",
    "incidents",
    "filings",  # after incidents: it extends the deadlines' admin page
    "support",
    "notifications",
    "audit",
]

# Five of our own, each for one reason; tests/test_middleware_order.py holds the order.
MIDDLEWARE = [
    # Ours: an id on every response (static files and early answers too) and log line.
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise and our early answers, so those carry the same headers as pages.
    # Ours: django-csp's, with its header built once a process rather than per response.
    "core.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers If-None-Match with 304 for the ETags of public pages, early answers included.
    "django.middleware.http.ConditionalGetMiddleware",
    # Ours: kept public pages and cheap 429s answered before sessions; no-store elsewhere.
    "core.middleware.EarlyAnswerMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language comes from the URL (/en/, /es/); a bare path is redirected by the
    # language cookie, then Accept-Language. Reads no session: public pages stay cookie-free.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Ours: a signed-in person's activity noted; a new password first if hers was exposed.
    "accounts.middleware.SignedInPersonMiddleware",
    # Ours: no admin page without two-factor authentication.
    "core.middleware.StaffTwoFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

# --- Data -------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'candor.sqlite3'}"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# With DATABASE_POOL_MAX_SIZE, each process's threads share a pool of at most that many
# PostgreSQL connections (Django's own, psycopg_pool) instead of one connection a thread:
# gunicorn runs 32 threads a process (deploy/), most of them serving cached pages that need
# none. A pooled connection goes back to the pool after each request (CONN_MAX_AGE 0).
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": 10,  # seconds a request waits for a free connection before a 500
    }

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCacheWithStandIn",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "candor",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each process keeps the public pages it served in memory too, so a page costs one
# small read of the shared version number instead of fetching the page from Redis.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "public-pages",
    "OPTIONS": {"MAX_ENTRIES": 500},
}

# --- core (core/conf.py has each default and its meaning; None: the default) ----
CANDOR_PUBLIC_CACHE_SECONDS = env.int("CANDOR_PUBLIC_CACHE_SECONDS", default=None)
CANDOR_PUBLIC_VERSION_SECONDS = env.float("CANDOR_PUBLIC_VERSION_SECONDS", default=None)
CANDOR_PUBLIC_OUTAGE_SECONDS = env.int("CANDOR_PUBLIC_OUTAGE_SECONDS", default=None)
CANDOR_PUBLIC_MAX_AGE = env.int("CANDOR_PUBLIC_MAX_AGE", default=None)
CANDOR_PUBLIC_S_MAXAGE = env.int("CANDOR_PUBLIC_S_MAXAGE", default=None)
CANDOR_PASSWORD_CHECKS_PER_SECOND = env.float("CANDOR_PASSWORD_CHECKS_PER_SECOND", default=None)
CANDOR_PASSWORD_WAIT_SECONDS = env.float("CANDOR_PASSWORD_WAIT_SECONDS", default=None)
CANDOR_HASHING_CORES = env.int("CANDOR_HASHING_CORES", default=None)
CANDOR_PASSWORD_SHARE = env.float("CANDOR_PASSWORD_SHARE", default=None)
CANDOR_KNOWN_BROWSER_SHARE = env.float("CANDOR_KNOWN_BROWSER_SHARE", default=None)
CANDOR_PASSWORD_STORM_SECONDS = env.float("CANDOR_PASSWORD_STORM_SECONDS", default=None)
CANDOR_KNOWN_BROWSER_DAYS = env.int("CANDOR_KNOWN_BROWSER_DAYS", default=None)
CANDOR_REFUSED_HOLD_SECONDS = env.int("CANDOR_REFUSED_HOLD_SECONDS", default=None)

# --- The apps' own (defaults and meanings in <app>/conf.py; None: the default) ---
EXPOSURE_IMPORT_MAX_BYTES = env.int("EXPOSURE_IMPORT_MAX_BYTES", default=None)
CANDOR_PAGE_ID = env.str("CANDOR_PAGE_ID", default=None)
SUPPORT_HOURS_URGENT = env.int("SUPPORT_HOURS_URGENT", default=None)
SUPPORT_HOURS_HIGH = env.int("SUPPORT_HOURS_HIGH", default=None)
SUPPORT_HOURS_NORMAL = env.int("SUPPORT_HOURS_NORMAL", default=None)
SUPPORT_HOURS_LOW = env.int("SUPPORT_HOURS_LOW", default=None)
# The support mailbox read over IMAP (questions by email); unset host: off.
SUPPORT_IMAP_HOST = env.str("SUPPORT_IMAP_HOST", default=None)
SUPPORT_IMAP_PORT = env.int("SUPPORT_IMAP_PORT", default=None)
SUPPORT_IMAP_TLS = env.bool("SUPPORT_IMAP_TLS", default=None)
SUPPORT_IMAP_USER = env.str("SUPPORT_IMAP_USER", default=None)
SUPPORT_IMAP_PASSWORD = env.str("SUPPORT_IMAP_PASSWORD", default=None)
SUPPORT_IMAP_FOLDER = env.str("SUPPORT_IMAP_FOLDER", default=None)
SUPPORT_IMAP_DONE_FOLDER = env.str("SUPPORT_IMAP_DONE_FOLDER", default=None)
SUPPORT_IMAP_THREADS = env.int("SUPPORT_IMAP_THREADS", default=None)
SUPPORT_MAIL_MAX_BYTES = env.int("SUPPORT_MAIL_MAX_BYTES", default=None)
SUPPORT_SLA_WARNING_MINUTES = env.int("SUPPORT_SLA_WARNING_MINUTES", default=None)
CANDOR_WEBHOOK_ALLOW_LOOPBACK = env.bool("CANDOR_WEBHOOK_ALLOW_LOOPBACK", default=None)
CANDOR_WEBHOOK_TIMEOUT_SECONDS = env.float("CANDOR_WEBHOOK_TIMEOUT_SECONDS", default=None)
CANDOR_WEBHOOK_DISABLE_AFTER = env.int("CANDOR_WEBHOOK_DISABLE_AFTER", default=None)

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in-process: one command serves the whole demo.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Celery still takes a producer from its pool for a task it runs in-process; without a
# broker that would be amqp:// on no host, logged as "No hostname was supplied" on every
# process's first task. An in-memory one sends nothing anywhere.
CELERY_BROKER_WRITE_URL = "memory://localhost/" if CELERY_TASK_ALWAYS_EAGER else None

# --- Email --------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or None  # filemail:// only
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default=f"{COMPANY_NAME} Security <security@example.com>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts -------------------------------------------------------------------
# Behind a proxy every request comes from the proxy's address, and the per-address
# limits would then lock everyone out at once: say how many proxies set X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# Behind that proxy (which sets the header itself, deploy/nginx), X-Forwarded-Proto says
# whether the client came over HTTPS. Without one the header is the client's own word, and
# believing it would skip the redirect to HTTPS: it is read only when a proxy is declared.
if ALLAUTH_TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
MFA_TOTP_ISSUER = COMPANY_NAME


# --- Security -----------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
# In production the session cookie is bound to this exact host (the __Host- prefix: Secure,
# Path=/, no Domain), so a sibling subdomain cannot plant or read one.
SESSION_COOKIE_NAME = "sessionid" if DEBUG else "__Host-candor-session"
CSRF_COOKIE_NAME = "csrftoken" if DEBUG else "__Host-candor-csrf"
# Sessions end after this much inactivity (each signed-in page renews it, see
# accounts.middleware.SignedInPersonMiddleware) and when the browser closes: a shared computer at
# a library should not stay signed in.
SESSION_COOKIE_AGE = env.int("CANDOR_SESSION_IDLE_MINUTES", default=60) * 60
if not DEBUG:  # a link typed or found with http:// still loads everything over https
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en"
# Each language's own name, so a reader finds theirs in the switcher whatever the page's language.
LANGUAGES = [("en", "English"), ("es", "Español")]
# Our strings, then our Spanish for allauth's (it wins over allauth's own catalogue).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the reader's choice in the switcher (portal/i18n.py)
# What the comms team writes (incidents/translation.py) gets a `<field>_<code>` column per
# language in LANGUAGES; English is the original, shown where a translation is empty.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # Hashed, compressed names need `collectstatic`; production runs it.
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")

LOGGING["root"]["level"] = env.str("DJANGO_LOG_LEVEL", default="INFO")
