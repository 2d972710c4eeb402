"""
Candor settings, read from the environment (twelve-factor).

Every variable is documented in README.md. The defaults are for development
on one machine: SQLite under var/, tasks run in-process, email printed to the
console. Debug is off unless DJANGO_DEBUG=true (as `make run` sets); with it off, the
process refuses to start without strong DJANGO_SECRET_KEY and EXPOSURE_DIGEST_KEY.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.text import format_lazy
from django.utils.translation import get_language_info

from portal.checks import (
    DEV_EXPOSURE_DIGEST_KEY,
    DEV_SECRET_KEY,
    EXPOSURE_DIGEST_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_LENGTH,
    key_problems,
)

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Off unless DJANGO_DEBUG=true: a deployment that forgets a variable fails closed (no
# debug pages, no development keys). `make run` and the tests set it. Only the word
# "true" turns it on: a stray "1" or "on" left in a deployment's environment does not.
DEBUG = env.str("DJANGO_DEBUG", default="").strip().lower() == "true"


def _production_key(name: str, min_length: int, dev_value: str) -> str:
    """The key from the environment; the development value only with debug on."""
    value = env.str(name, default="")
    if DEBUG:
        return value or dev_value
    if problems := key_problems(name, value, min_length):
        why = f"is too weak for production: {' '.join(problems)}" if value else "is not set."
        raise ImproperlyConfigured(
            f"{name} {why} With debug off Candor refuses to start "
            f"without a real key ({min_length}+ random characters). For development on "
            "this machine, set DJANGO_DEBUG=true instead."
        )
    return value


SECRET_KEY = _production_key("DJANGO_SECRET_KEY", SECRET_KEY_MIN_LENGTH, DEV_SECRET_KEY)
# Keys the digests of affected people's emails; its own secret, so that rotating
# SECRET_KEY does not orphan the imported list. Changing it means re-importing.
EXPOSURE_DIGEST_KEY = _production_key(
    "EXPOSURE_DIGEST_KEY", EXPOSURE_DIGEST_KEY_MIN_LENGTH, DEV_EXPOSURE_DIGEST_KEY
)
# Largest affected-people CSV the admin accepts; the import_exposures command has no limit.
EXPOSURE_IMPORT_MAX_BYTES = env.int("EXPOSURE_IMPORT_MAX_BYTES", default=512 * 1024 * 1024)

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
# The page id in the Statuspage-compatible API.
CANDOR_PAGE_ID = env.str("CANDOR_PAGE_ID", default="candor")

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
    "allauth.mfa",
    "allauth.usersessions",
    "portal",
    "accounts",
    "incidents",
    "support",
    "notifications",
    "audit",
]

MIDDLEWARE = [
    # Gives every request an id, shown on the 500 page and in the logs.
    "portal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the same headers as pages.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # A client refused by a rate limit a moment ago is refused again here, cheaply.
    "portal.middleware.RefusedAgainMiddleware",
    # Password sign-ins past the site's budget for this second, answered at once.
    "portal.middleware.PasswordBudgetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language comes from the URL (/en/, /es/); a bare path is redirected by the
    # language cookie, then Accept-Language. Reads no session: public pages stay cookie-free.
    "django.middleware.locale.LocaleMiddleware",
    # Answers If-None-Match with 304 for the ETags the public pages carry.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A signed-in session's activity, once a minute: its idle timer starts again and
    # allauth's session list learns it was seen. Kept off the public pages.
    "accounts.middleware.SessionActivityMiddleware",
    # After a breach exposed a password, nothing else until a new one is set.
    "accounts.middleware.ForcedPasswordChangeMiddleware",
    # No admin page without two-factor authentication.
    "portal.middleware.StaffTwoFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Every page that is not one of the public, cacheable ones: `no-store`, so nothing
    # personal stays in a browser or proxy.
    "portal.middleware.PrivatePageMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "portal.context_processors.languages",
            ],
        },
    },
]

# Our templates/django/forms/ draw every form field the same accessible way.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data -------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'candor.sqlite3'}"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
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

# --- Public page cache --------------------------------------------------------
# How long a rendered public page may be reused. Publishing or editing an
# update invalidates at once; a scheduled update caps the lifetime to its time.
PUBLIC_PAGE_CACHE_SECONDS = env.int("CANDOR_PUBLIC_CACHE_SECONDS", default=300)
# How long a process may trust its last reading of the shared cache version: the
# longest another web process can go on serving a page after it has changed.
PUBLIC_PAGE_VERSION_SECONDS = env.float("CANDOR_PUBLIC_VERSION_SECONDS", default=1.0)
# While Redis is unreachable no process can learn of another's publish: each keeps
# the pages it rendered for this long only.
PUBLIC_PAGE_OUTAGE_SECONDS = env.int("CANDOR_PUBLIC_OUTAGE_SECONDS", default=5)
# What browsers and CDNs may reuse without asking again.
PUBLIC_PAGE_MAX_AGE = env.int("CANDOR_PUBLIC_MAX_AGE", default=30)
PUBLIC_PAGE_S_MAXAGE = env.int("CANDOR_PUBLIC_S_MAXAGE", default=60)

# --- Support ------------------------------------------------------------------
# Hours to a first answer, by priority; each question's due time is stored when asked.
SUPPORT_FIRST_RESPONSE_HOURS = {
    "urgent": env.int("SUPPORT_HOURS_URGENT", default=2),
    "high": env.int("SUPPORT_HOURS_HIGH", default=4),
    "normal": env.int("SUPPORT_HOURS_NORMAL", default=24),
    "low": env.int("SUPPORT_HOURS_LOW", default=72),
}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in-process: one command serves the whole demo.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Restarts imports whose task was never queued (broker down) or whose worker died.
    "import-batches-sweep": {"task": "incidents.tasks.import_batches_sweep", "schedule": 60.0},
    # Sends outbox mail whose task was lost or whose worker died, and retries due ones.
    "notifications-sweep": {"task": "notifications.tasks.notifications_sweep", "schedule": 60.0},
    # Emails each newly public update (scheduled ones too) to its confirmed subscribers.
    "updates-announce": {"task": "notifications.tasks.updates_announce", "schedule": 60.0},
    # Reminds the comms team when an unresolved incident has gone quiet.
    "quiet-reminders": {"task": "notifications.tasks.quiet_reminders", "schedule": 900.0},
}

# --- Email --------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default=f"{COMPANY_NAME} Security <security@example.com>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # NIST SP 800-63B-4: length over composition; up to 256 characters; not the exposed
    # password; no words about us or the breach.
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 256}},
    {"NAME": "accounts.validators.NotExposedPasswordValidator"},
    {"NAME": "accounts.validators.ContextPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:me"
# django-allauth: people sign up and sign in with an email address; there are no usernames.
ACCOUNT_ADAPTER = "portal.account_adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Affected status is private: nobody reaches it before proving they own the address.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Verify with a code typed into the same browser rather than a link: on a phone a link
# opens in the mail app's own browser, away from the sign-up in progress, and our
# verification email then needs no link at all.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 3
# Mail is slow on the day of a disclosure: asking for a new code must not mean starting
# again. (EMAIL_VERIFICATION_SUPPORTS_CHANGE stays off: allauth offers the change only
# to a real sign-up, so the page would tell who already has an account.)
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
# Sign in with a password or with a one-time code sent by email.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
# Password reset by link: the link carries all it needs, so it works in whichever browser
# the mail app opens. Reset links are single-use and, here, valid for one hour.
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
PASSWORD_RESET_TIMEOUT = 60 * 60
# One address per account, changed only after the new one is verified.
ACCOUNT_CHANGE_EMAIL = True
# Sensitive account changes (email, password, 2FA) ask for the password again when the
# last sign-in is more than a few minutes old.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Tell the owner when a password or an address changes: a takeover then does not go unseen.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Account pages never say whether an address has an account (or was affected).
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's rate limits (ACCOUNT_RATE_LIMITS) stay at their defaults, which are on.
# Behind a proxy every request comes from the proxy's address, and the per-address
# limits would then lock everyone out at once: say how many proxies set X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# Changing the password ends every other session (Django's session hash); this one stays.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"

# Our own forms use allauth's rate limiter (same cache, same client-address rules); these
# are added to allauth's defaults. A question per minute per address is plenty for a person.
ACCOUNT_RATE_LIMITS = {
    # allauth's own, with hourly caps added to those that send email, so that nobody can
    # use us to flood an inbox (per key: the address typed) or to hash all day (per IP).
    "signup": "20/m/ip,60/h/ip",
    "request_login_code": "20/m/ip,3/m/key,10/h/key",
    "reset_password": "20/m/ip,5/m/key,10/h/key",
    "support_ask": "3/m/ip,20/h/ip,10/h/user,3/h/key",
    "support_reply": "10/m/ip,60/h/user",
    "subscribe": "5/m/ip,30/h/ip,3/h/key",
}

# Password checks (PBKDF2, ~250 ms of a core each) the whole site makes in a second, at
# most: past it, password sign-in asks for an emailed code instead. By default one per
# two cores of this machine (an eighth of their time); with more web servers, raise it.
# 0 turns the budget off.
CANDOR_PASSWORD_CHECKS_PER_SECOND = env.int(
    "CANDOR_PASSWORD_CHECKS_PER_SECOND", default=max(1, (os.cpu_count() or 2) // 2)
)
# After a POST is refused (429), the same client's same POST is refused again for this
# long before it reaches sessions, CSRF and the limiter (portal.middleware.RefusedAgainMiddleware).
CANDOR_REFUSED_HOLD_SECONDS = env.int("CANDOR_REFUSED_HOLD_SECONDS", default=5)

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP), recovery codes and
# passkeys. A code is valid in its 30-second window only (no drift), and a used code is
# remembered in the shared cache, so a replay to another web process is refused too.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_FORMS = {
    "add_webauthn": "accounts.forms.AddPasskeyForm",
    "activate_totp": "accounts.mfa_forms.ActivateTOTPOnceForm",
}
MFA_TOTP_TOLERANCE = 0
MFA_TOTP_ISSUER = COMPANY_NAME
MFA_RECOVERY_CODE_COUNT = 10
# Recovery codes are shown once, at creation (and can be downloaded then); new ones can be made.
MFA_RECOVERY_CODES_SHOW_ONCE = True
# Passkeys need a secure origin: https, or http://localhost while developing (browsers
# refuse passkeys on an IP address such as 127.0.0.1).
# Where people see and end their other sessions.
USERSESSIONS_TRACK_ACTIVITY = True

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# In production the session cookie is bound to this exact host (the __Host- prefix: Secure,
# Path=/, no Domain), so a sibling subdomain cannot plant or read one.
SESSION_COOKIE_NAME = "sessionid" if DEBUG else "__Host-candor-session"
CSRF_COOKIE_NAME = "csrftoken" if DEBUG else "__Host-candor-csrf"
SESSION_COOKIE_SAMESITE = "Lax"  # Lax: a link from our email still opens a signed-in page
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), not the cookie
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Sessions end after this much inactivity (each signed-in page renews it, see
# accounts.middleware.SessionActivityMiddleware) and when the browser closes: a shared computer at
# a library should not stay signed in.
SESSION_COOKIE_AGE = env.int("CANDOR_SESSION_IDLE_MINUTES", default=60) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A refused form (expired page, or a post from another site) gets our page, not Django's.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

# Content-Security-Policy (django-csp): our own scripts, styles, images and fonts only; no
# inline script or style, no eval (htmx runs with allowEval off, see base.html), no plugins,
# no framing, forms post only to us. img-src allows data: for the QR code of the
# authenticator app, which allauth draws as an inline SVG image.
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_NONE],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "manifest-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_NONE],
        "frame-ancestors": [_NONE],
        "form-action": [_SELF],
        **({} if DEBUG else {"upgrade-insecure-requests": True}),
    }
}
# Powerful browser features this site never uses, switched off (passkeys need
# publickey-credentials-get/create, so those stay with our own origin).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en"
# Each language's own name, so a reader finds theirs in the switcher whatever the page's language.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the reader's choice in the switcher (portal/i18n.py)
# What the comms team writes (incidents/translation.py) gets a `<field>_<code>` column per
# language in LANGUAGES; English is the original, shown where a translation is empty.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)


def _label_in_language(verbose_name, code):
    # The admin's labels: "body" for the original, "body (Spanish)" for its translation.
    if code == MODELTRANSLATION_DEFAULT_LANGUAGE:
        return verbose_name
    return format_lazy("{} ({})", verbose_name, get_language_info(code)["name_translated"])


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _label_in_language
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
# Uploads (affected-people lists) and the files written from them (error reports) hold
# personal data: readable by the app's user and group only, whatever the umask.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
WHITENOISE_MAX_AGE = 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
