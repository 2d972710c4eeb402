import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# The password budget's hash cost, timed now while the process is quiet rather than by the
# first sign-in of a storm (core.password_budget).
from core.password_budget import measure_when_starting  # noqa: E402

measure_when_starting()
