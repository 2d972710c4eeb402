"""
The settings every Candor deployment shares: how people sign in and which passwords they
may choose, the browser-security headers, Celery's behaviour, templates and static files.

Nothing here reads the environment. portal/settings.py imports all of it, then sets what
a deployment changes (from the environment); each app's own knobs have their defaults in
`<app>/conf.py`.
"""

from pathlib import Path

from django.utils.text import format_lazy
from django.utils.translation import get_language_info

BASE_DIR = Path(__file__).resolve().parent.parent

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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery -------------------------------------------------------------------
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
    # Takes in the support mailbox's new mail (does nothing while SUPPORT_IMAP_HOST is unset).
    "support-mailbox-poll": {"task": "support.tasks.support_mailbox_poll", "schedule": 30.0},
    # Alerts agents to questions nearly due that nobody has, and leads to overdue ones;
    # restarts bulk answers whose worker died.
    "support-watch": {"task": "support.tasks.support_watch", "schedule": 300.0},
    # Alerts the comms team (email, chat) at each stage of every open regulatory deadline.
    "deadline-alerts": {"task": "notifications.tasks.deadline_alerts", "schedule": 60.0},
}

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# allauth's backend alone: it is Django's ModelBackend (permissions, groups) with sign-in by
# email. Listed beside it, ModelBackend would check a wrong password again (or hash it for an
# address nobody has): two hashes a failed sign-in where the password budget counts one
# (core.password_budget). The admin signs in through allauth (portal.views.admin_login).
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
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
# Changing the password ends every other session (Django's session hash); this one stays.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False

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
    # Webhook subscriptions: every POST per client (each resolves a name), and each one
    # that emails someone per endpoint URL.
    "webhook_subscribe": "3/m/ip,10/h/ip",
    "webhook_endpoint": "3/h/key",
}

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
MFA_RECOVERY_CODE_COUNT = 10
# Recovery codes are shown once, at creation (and can be downloaded then); new ones can be made.
MFA_RECOVERY_CODES_SHOW_ONCE = True
# (Passkeys need a secure origin: https, or http://localhost while developing; browsers
# refuse passkeys on an IP address such as 127.0.0.1.)
# Where people see and end their other sessions.
USERSESSIONS_TRACK_ACTIVITY = True

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"  # Lax: a link from our email still opens a signed-in page
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), not the cookie
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Content translations (django-modeltranslation): English is the original and the fallback;
# other languages' columns are labelled "Body (Español)".
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)


def _label_in_language(verbose_name, code):
    # The admin's labels: "body" for the original, "body (Spanish)" for its translation.
    if code == MODELTRANSLATION_DEFAULT_LANGUAGE:
        return verbose_name
    return format_lazy("{} ({})", verbose_name, get_language_info(code)["name_translated"])


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _label_in_language

# One way of writing dates and times in every language (portal/formats/).
FORMAT_MODULE_PATH = ["portal.formats"]
# Sessions also end when the browser closes: a shared computer at a library should not
# stay signed in.
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

# --- Static and uploaded files --------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (affected-people lists) and the files written from them (error reports) hold
# personal data: readable by the app's user and group only, whatever the umask.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
WHITENOISE_MAX_AGE = 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.requestid.RequestIdFilter"},
        "refusals_summary": {"()": "core.log_filters.RefusalsSummary"},
    },
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
    # Its level comes from DJANGO_LOG_LEVEL (portal/settings.py).
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # WeasyPrint tells each step of every PDF at INFO: its warnings are enough.
        "weasyprint": {"level": "WARNING"},
        # Django's line for every answer in the 400s: a storm's 429s, one line a minute.
        "django.request": {"filters": ["refusals_summary"]},
    },
}
