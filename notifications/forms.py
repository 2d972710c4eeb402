from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))
    incident = forms.ModelChoiceField(
        label=_("Updates about"),
        queryset=Incident.objects.published(),
        required=False,
        empty_label=_("Every incident"),
        to_field_name="slug",
    )
