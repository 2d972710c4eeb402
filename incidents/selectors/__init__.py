"""
Reads for the incidents app. Nothing here writes.

- `public`: the public pages, feeds and API;
- `personal`: what of one person's an incident exposed, and the affected addresses;
- `clocks`: regulatory deadlines and incidents gone quiet;
- `translations`: translations behind their corrected original;
- `reach`: how many people an incident affected, where, and which of their data.
"""

from .clocks import (  # noqa: F401
    Clock,
    incidents_gone_quiet,
    obligation_clock,
    obligations_open,
)
from .personal import (  # noqa: F401
    PersonalIncident,
    affected_addresses,
    exposure_report,
    exposure_tier_for_emails,
    incident_latest_confirmed_at,
    password_reset_required_since,
)
from .public import (  # noqa: F401
    IncidentPage,
    faq_list_public,
    incident_current_status,
    incident_get_public,
    incident_list_public,
    incidents_with_current_status,
    status_is_active,
    update_get_public,
    update_list_latest,
    update_next_scheduled_at,
    update_public_revisions,
)
from .reach import CategoryReach, Place, Reach, incident_reach  # noqa: F401
from .translations import translations_behind_counts  # noqa: F401
