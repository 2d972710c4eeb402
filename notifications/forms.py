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


class WebhookSubscribeForm(forms.Form):
    url = forms.URLField(
        label=_("Your endpoint's address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("HTTPS only. We POST each update there as JSON."),
    )
    email = CustomerEmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("To confirm, and to tell you if the endpoint keeps failing."),
    )
    incident = TranslatedChoiceField(
        label=_("Updates about"),
        queryset=Incident.objects.published(),
        required=False,
        empty_label=_("Every incident"),
        to_field_name="slug",
    )

    def clean_url(self):
        from .services.webhooks import webhook_url_check

        return webhook_url_check(self.cleaned_data["url"])
