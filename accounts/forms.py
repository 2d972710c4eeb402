from allauth.account.forms import ChangePasswordForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm
from django.utils.translation import gettext_lazy as _


class AddPasskeyForm(AddWebAuthnForm):
    """
    Adding a key makes a passkey by default: stored on the device, so it can
    sign in on its own. allauth leaves this unticked, and a key added that way
    then fails "Sign in with a passkey" without a word.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # allauth leaves the label to Django, which makes an untranslated "Name" of the field.
        self.fields["name"].label = _("Name")
        if "passwordless" in self.fields:
            self.fields["passwordless"].initial = True
            self.fields["passwordless"].label = _("Use it to sign in without a password (passkey)")


class NewPasswordForm(ChangePasswordForm):
    """
    allauth's change-password form without "Current password": for a person who just
    proved, with an emailed code, that the address is hers, as a reset link would. The
    new password gets the same checks (not the exposed one, long enough) and the same save.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["oldpassword"]
