"""
What staff without the incidents' permission (support agents) may see of them: the
published incidents only. An incident still being prepared is the comms team's, and an
agent's filters, choices and FAQ versions must not name it before it is public.
"""

from django.contrib import admin

from ..models import Incident

INCIDENT_VIEW = "incidents.view_incident"


def sees_drafts(user) -> bool:
    return user.has_perm(INCIDENT_VIEW) or user.has_perm("incidents.change_incident")


def visible_incidents(user):
    incidents = Incident.objects.all()
    return incidents if sees_drafts(user) else incidents.filter(is_published=True)


def names_hidden_incident(user, obj) -> bool:
    """Whether `obj` (anything with an `incident`) belongs to an incident `user` may not see."""
    incident = getattr(obj, "incident", None)
    return incident is not None and not incident.is_published and not sees_drafts(user)


class IncidentFilter(admin.RelatedFieldListFilter):
    """The admin's "By incident" filter, offering only the incidents the reader may see."""

    def field_choices(self, field, request, model_admin):
        return [(i.pk, str(i)) for i in visible_incidents(request.user).order_by("title")]
