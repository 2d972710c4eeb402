from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import demo_seed


class Command(BaseCommand):
    help = "Load the demo incident, its timeline and FAQs, and the demo logins (idempotent)."

    def handle(self, *args, **options):
        # The demo's passwords and second factor are in the README: on a real site they
        # would be open doors.
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with published passwords; "
                "it runs only with DJANGO_DEBUG=true"
            )
        demo = demo_seed()
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Demo logins (demo values only):")
        )
        for login in demo.logins:
            self.stdout.write(f"  {login.email:<22} {login.password:<22} {login.role}")
        self.stdout.write(
            "The admin asks staff for a second factor. Add this demo secret to an "
            f"authenticator app: {demo.staff_totp_secret}\n"
            f"or use one of these single-use recovery codes: {' '.join(demo.staff_recovery_codes)}"
        )
