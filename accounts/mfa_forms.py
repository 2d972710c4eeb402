from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP


class ActivateTOTPOnceForm(ActivateTOTPForm):
    """
    The code typed to turn on the authenticator app counts as used, as a code typed to
    sign in does (ASVS 5.0 V6.5.1). allauth only checks it here, so whoever watched it
    typed could sign in with it for the rest of its 30-second window.
    """

    def clean_code(self) -> str:
        code = super().clean_code()
        # allauth's own record of used codes (per person and code, in the shared cache),
        # which sign-in consults; the authenticator does not exist yet, only its owner counts.
        unsaved = Authenticator(user=self.user, type=Authenticator.Type.TOTP)
        if not TOTP(unsaved)._mark_code_used(code):
            raise get_adapter().validation_error("incorrect_code")
        return code
