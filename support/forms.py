import datetime as dt

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.emails import CustomerEmailField
from incidents.localized import TranslatedChoiceField
from incidents.models import Incident

from .models import Category

MESSAGE_MAX = 10_000
REPORT_MAX_DAYS = 366


class AskForm(forms.Form):
    # The model's limit: a longer address would pass the form and fail on saving.
    # Normalised: the per-address limit counts mailboxes, not spellings.
    email = CustomerEmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We will answer here, and send you a private link to follow your question."),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=150, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=Category.choices, widget=forms.RadioSelect
    )
    incident = TranslatedChoiceField(
        label=_("Which incident? (optional)"),
        queryset=Incident.objects.published(),
        required=False,
        empty_label=_("Not sure, or none"),
    )
    body = forms.CharField(
        label=_("Your question"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Please do not include passwords, codes or card numbers."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            # Signed-in people ask with their account.
            del self.fields["email"]
            del self.fields["name"]
        self.fields["subject"].widget.attrs["autocomplete"] = "off"


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How helpful was our answer?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("5 is the most helpful."),
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CallForm(forms.Form):
    """A question a caller asks on the phone, as the agent takes it down."""

    name = forms.CharField(label=_("Caller's name (optional)"), max_length=150, required=False)
    email = CustomerEmailField(
        label=_("Caller's email address (optional)"),
        max_length=254,
        required=False,
        help_text=_(
            "With an address, the caller is emailed the reference and a private link to "
            "follow the question. Without one, nothing is sent: read the reference out."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the call"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )
    category = forms.ChoiceField(label=_("What is it about?"), choices=Category.choices)
    incident = TranslatedChoiceField(
        label=_("Which incident? (optional)"),
        queryset=Incident.objects.published(),
        required=False,
        empty_label=_("Not sure, or none"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    notes = forms.CharField(
        label=_("Notes of the call"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text=_(
            "The first message of the question; the caller can read it through the private "
            "link. Never write down passwords, codes or card numbers."
        ),
    )


class CallLogForm(forms.Form):
    """A call about a question already asked."""

    notes = forms.CharField(
        label=_("Notes of the call"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text=_(
            "Added to the conversation, which the customer can read; nothing is emailed. "
            "Never write down passwords, codes or card numbers."
        ),
    )


class ReportForm(forms.Form):
    """The support report's period and incident; by default the last 14 days, all incidents."""

    DEFAULT_DAYS = 14

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    incident = TranslatedChoiceField(
        label=_("Incident"),
        queryset=Incident.objects.published(),
        required=False,
        empty_label=_("All incidents"),
    )

    def __init__(self, data=None, *, today: dt.date):
        initial = {"start": today - dt.timedelta(days=self.DEFAULT_DAYS - 1), "end": today}
        # An empty query is the default period, not a form full of errors.
        super().__init__((initial | data.dict()) if data else initial, initial=initial)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period must end on or after its first day."))
        if start and end and (end - start).days >= REPORT_MAX_DAYS:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)d days.") % {"days": REPORT_MAX_DAYS}
            )
        return data
