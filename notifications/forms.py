from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.emails import CustomerEmailField
from incidents.localized import TranslatedChoiceField
from incidents.models import Incident


class SubscribeForm(forms.Form):
    # The model's limit: a longer address would pass the form and fail on saving.
    # Normalised: the per-address limit counts mailboxes, not spellings.
    email = CustomerEmailField(label=_("Your email address"), max_length=254)
    incident = TranslatedChoiceField(
        label=_("Updates about"),
        queryset=Incident.objects.published(),
        required=False,
        empty_label=_("Every incident"),
        to_field_name="slug",
    )
