from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People"

    def ready(self):
        from allauth.account import signals

        from . import receivers

        signals.user_logged_in.connect(receivers.on_logged_in)
        for signal in (signals.password_changed, signals.password_set, signals.password_reset):
            signal.connect(receivers.on_password_changed)
        for signal in receivers.MFA_CHANGES:
            signal.connect(receivers.on_authenticator_changed)
