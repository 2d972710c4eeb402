# Importing the modules registers their ModelAdmins.
from . import clocks, content, imports  # noqa: F401
