from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People"

    def ready(self):
        from allauth.account import signals

        from audit.actions import actions_register

        from . import audit_actions, receivers

        actions_register(audit_actions.Action)

        signals.user_logged_in.connect(receivers.on_logged_in)
        for signal in (signals.password_changed, signals.password_set, signals.password_reset):
            signal.connect(receivers.on_password_changed)
        signals.user_signed_up.connect(receivers.on_signed_up)
        signals.authentication_step_completed.connect(receivers.on_authentication_step)
        signals.email_confirmed.connect(receivers.on_email_confirmed)
        signals.password_reset.connect(receivers.on_password_reset)
        for signal in receivers.MFA_CHANGES:
            signal.connect(receivers.on_authenticator_changed)
