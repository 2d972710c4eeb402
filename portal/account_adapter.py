"""
allauth's account adapter. It lives in `portal` because it joins two apps: the
accounts allauth manages and the outbox (`notifications`) its emails go through.
"""

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sites.requests import RequestSite
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.known_browsers import is_known_browser, remember_browser
from core.password_budget import password_check_allowed
from notifications.services.outbox import notification_enqueue


# allauth emails whose code or link stops working after a while, and how long it lasts:
# sent later than that, they would only confuse.
def _verification_code_lifetime() -> int:
    return app_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT


EXPIRING_MAILS = {
    "account/email/login_code": lambda: app_settings.LOGIN_BY_CODE_TIMEOUT,
    "account/email/email_confirmation": _verification_code_lifetime,
    "account/email/email_confirmation_signup": _verification_code_lifetime,
    "account/email/password_reset_key": lambda: settings.PASSWORD_RESET_TIMEOUT,
}


BUSY_MESSAGE = gettext_lazy(
    "Many people are signing in at this moment. Sign in with a code sent to your email "
    "instead, or try your password again in a minute."
)


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """
        Refuse an address longer than can be stored. allauth would cut it to fit,
        making an account for an address nobody has, that can never be confirmed.
        """
        email = super().clean_email(email)
        limit = EmailAddress._meta.get_field("email").max_length
        if len(email) > limit:
            raise ValidationError(
                _("An email address has at most %(limit)d characters.") % {"limit": limit}
            )
        return email

    def pre_authenticate(self, request, **credentials) -> None:
        """
        allauth's per-address and per-account limits first; then the site's budget of
        password checks: a storm spread over many addresses must not spend every core
        on PBKDF2. Over the budget the sign-in waits its turn (first come, first served,
        up to CANDOR_PASSWORD_WAIT_SECONDS); only past that does the form say to use an
        emailed code, which costs no hashing. A browser that signed in to this account
        before has places kept for it that a storm cannot take (core.known_browsers).
        """
        super().pre_authenticate(request, **credentials)
        address = credentials.get("email") or credentials.get("username")
        if not password_check_allowed(known=is_known_browser(request, address)):
            raise ValidationError(BUSY_MESSAGE, code="password_checks_budget")

    def post_login(self, request, user, **kwargs):
        """
        Whatever the way in (password, emailed code, a passkey), this browser is now
        known for the account's addresses: its later password sign-ins take the places
        kept for known browsers, which a storm of guesses cannot take.
        """
        response = super().post_login(request, user, **kwargs)
        addresses = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        remember_browser(request, response, [user.email, *addresses])
        return response

    def get_reset_password_from_key_url(self, key: str) -> str:
        return _on_our_site(super().get_reset_password_from_key_url(key))

    def send_account_already_exists_mail(self, email: str) -> None:
        """
        Someone signed up with an address that has an account: allauth mails its owner
        instead of creating one, and so skips hashing the password. The answer then came
        three times faster than for a new address, telling who has an account (ASVS 5.0
        V6.3.8); the password typed is hashed here too, and the hash thrown away.
        """
        request = allauth_context.request
        password = request.POST.get("password1") if request is not None else None
        if password:
            make_password(password)
        super().send_account_already_exists_mail(email)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """
        allauth's emails (codes, reset links, security notices) go through the outbox
        like every other email, so an SMTP hiccup delays them instead of failing the
        sign-in with an error page. Their bodies are secrets: kept out of admin and
        erased once sent; a code that expired before it could go out is not sent.

        They name the site as everywhere else (allauth would take the request's host,
        localhost:8000 behind a proxy), and the address people should type.
        """
        context = {"email": email, "current_site": _SiteFromSettings(), **context}
        for name in _LINKS_IN_MAILS:
            if context.get(name):
                context[name] = _on_our_site(context[name])
        message = self.render_mail(template_prefix, email, context)
        alternatives = getattr(message, "alternatives", [])
        html = next((body for body, kind in alternatives if kind == "text/html"), "")
        lifetime = EXPIRING_MAILS.get(template_prefix)
        notification_enqueue(
            dedupe_key=f"account:{uuid.uuid4().hex}",
            kind="account",
            to_email=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            secret=True,
            expires_at=timezone.now() + timedelta(seconds=lifetime()) if lifetime else None,
        )


# allauth makes these links absolute with the Host of the request that asked for the mail.
_LINKS_IN_MAILS = ("password_reset_url", "signup_url", "activate_url")


def _on_our_site(url: str) -> str:
    """`url` at CANDOR_SITE_URL, not at the Host the mail was asked from: a forged Host
    would otherwise mail the owner a link to the attacker's site."""
    parts = urlsplit(url)
    return settings.SITE_URL.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


class _SiteFromSettings(RequestSite):
    """The site as CANDOR_SITE_NAME and CANDOR_SITE_URL name it, never the request's Host."""

    def __init__(self):
        self.name = settings.SITE_NAME
        self.domain = urlsplit(settings.SITE_URL).netloc
