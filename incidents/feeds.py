from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from . import selectors
from .markdown import render_markdown
from .models import Incident


class LatestUpdatesFeed(Feed):
    """Every public timeline update, newest first."""

    feed_type = Atom1Feed
    subtitle = _("Updates on security incidents, newest first.")

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # A scheduled update changes the feed when it comes due: cache until then.
        response.fresh_until = selectors.update_next_scheduled_at()
        return response

    def title(self):
        return settings.SITE_NAME

    def link(self):
        return reverse("home")

    def items(self):
        return selectors.update_list_latest(limit=50)

    def item_title(self, item):
        return f"{item.incident.title}: {item.get_status_display()}"

    def item_description(self, item):
        return render_markdown(item.body)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"{settings.SITE_URL.rstrip('/')}/updates/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.revised_at or item.publish_at


class IncidentUpdatesFeed(LatestUpdatesFeed):
    """The public timeline of one incident."""

    def get_object(self, request, slug):
        return get_object_or_404(Incident.objects.published(), slug=slug)

    def title(self, obj):
        return f"{obj.title} · {settings.SITE_NAME}"

    def link(self, obj):
        return obj.get_absolute_url()

    def subtitle(self, obj):
        return obj.summary

    def items(self, obj):
        return selectors.update_list_latest(limit=50, incident=obj)
