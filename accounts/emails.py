"""
Addresses strangers type into our forms (a question, email updates).

Each such form sends mail to the address typed and limits how much per address,
so one mailbox must have one spelling: otherwise `"victim"@example.org`,
`victim@[192.0.2.1]` and `Victim@Example.org` would each get their own allowance
of mail to the same person. The quoted and literal forms the standard allows are
refused (nobody types them by accident), and the rest is normalised the way the
affected list is (`incidents.digest.email_normalise`).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from incidents.digest import email_normalise

PLAIN_ADDRESS_MESSAGE = _("Please type a plain email address, like name@example.com")

# Quoted local parts ("..."), the escapes only allowed in them (\) and address
# literals ([192.0.2.1]) have no place in an address a customer types.
NOT_PLAIN = frozenset('"\\[]')


def customer_email_clean(value: str) -> str:
    """
    The one spelling of a typed address, as stored and as rate limits count it:
    trimmed, Unicode-composed and lower-cased. Raises ValidationError for an
    address that is not valid or not plain.
    """
    address = email_normalise(value)
    if NOT_PLAIN & set(address):
        raise ValidationError(PLAIN_ADDRESS_MESSAGE, code="not_plain")
    validate_email(address)
    return address


class CustomerEmailField(forms.EmailField):
    """An email field for customer forms: plain addresses only, returned normalised."""

    def clean(self, value):
        address = super().clean(value)
        return customer_email_clean(address) if address else address
