from django.core.management.base import BaseCommand

from portal.demo import demo_seed


class Command(BaseCommand):
    help = "Load the demo incident, its timeline and FAQs, and the demo logins (idempotent)."

    def handle(self, *args, **options):
        logins = demo_seed()
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Demo logins (demo values only):")
        )
        for login in logins:
            self.stdout.write(f"  {login.email:<22} {login.password:<22} {login.role}")
