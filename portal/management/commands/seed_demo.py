from django.core.management.base import BaseCommand

from portal.demo import demo_seed


class Command(BaseCommand):
    help = "Load the demo incident, its timeline and FAQs, and the demo logins (idempotent)."

    def handle(self, *args, **options):
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
