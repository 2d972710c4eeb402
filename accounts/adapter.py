from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sites.requests import RequestSite
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """
        allauth's emails name "the site" from the request's host (localhost:8000 behind a
        proxy); ours name the site as everywhere else, and the address people should type.
        """
        super().send_mail(template_prefix, email, {"current_site": _OurSite(), **context})


class _OurSite(RequestSite):
    def __init__(self):
        self.name = settings.SITE_NAME
        self.domain = urlsplit(settings.SITE_URL).netloc
