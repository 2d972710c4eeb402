from allauth.account.adapter import get_adapter
from allauth.account.views import PasswordChangeView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import selectors, services
from .forms import NewPasswordForm
from .proof import MAILBOX_PROOF_SECONDS, mailbox_proved_at, mailbox_proved_recently


@never_cache
@login_required
@require_safe
def me(request):
    """Was I affected? Private to the signed-in person; never cached."""
    emails, incidents = selectors.user_exposure_report(user=request.user)
    affected = [i for i in incidents if i.affected]
    if any(i.exposure.remedy_code for i in affected):
        services.remedy_code_revealed(user=request.user)
    checklist = selectors.security_checklist(
        user=request.user, session_key=request.session.session_key, exposures=(emails, incidents)
    )
    context = {
        "verified_emails": emails,
        "incidents": incidents,
        "affected": affected,
        "checklist": checklist,
    }
    return render(request, "accounts/me.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def me_security(request):
    """The steps to a safe account; steps done here update the list in place."""
    action = request.POST.get("action") if request.method == "POST" else None
    if action in {"end-other-sessions", "remedy-enrolled"}:
        if action == "end-other-sessions":
            services.sessions_end_others(user=request.user, request=request)
        else:
            services.remedy_enrolled(user=request.user)
        if not request.htmx:
            return redirect("accounts:me-security")
    checklist = selectors.security_checklist(
        user=request.user, session_key=request.session.session_key
    )
    template = (
        "accounts/me_security.html#checklist" if request.htmx else "accounts/me_security.html"
    )
    return render(request, template, {"checklist": checklist})


@never_cache
@login_required
@require_safe
def phishing_guide(request):
    services.phishing_guide_read(user=request.user)
    return render(request, "accounts/phishing_guide.html")


@method_decorator(never_cache, name="dispatch")
@method_decorator(login_required, name="dispatch")
class NewPasswordView(PasswordChangeView):
    """
    The exposed password replaced without the old one, by someone who has just shown
    with an emailed code that the address is hers. allauth's change view does the rest:
    its rate limit, the password checks, the email to the owner, the other sessions
    ended (accounts.receivers), and `next=` followed only within the site.
    """

    template_name = "account/password_new.html"

    def dispatch(self, request, *args, **kwargs):
        if not (request.user.must_change_password and mailbox_proved_at(request)):
            # Nothing asks for a new password, or she signed in with it: the usual form.
            return redirect(self.passthrough_next_url(reverse("account_change_password")))
        if not mailbox_proved_recently(request):
            return self.ask_for_a_new_code(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return NewPasswordForm

    def get_default_success_url(self):
        # allauth would show the change form again, empty: her status is what she came for.
        return reverse("accounts:me")

    def ask_for_a_new_code(self, request):
        """A session opened long ago proves less: a fresh code first, then the new password."""
        if request.method == "POST" and request.POST.get("action") == "new-code":
            get_adapter(request).logout(request)
            messages.info(request, _("Sign in with a new code, then choose your new password."))
            return redirect(self.passthrough_next_url(reverse("account_request_login_code")))
        context = self.get_context_data(form=None, expired=True)
        context["minutes"] = MAILBOX_PROOF_SECONDS // 60
        return self.render_to_response(context)


new_password = NewPasswordView.as_view()
