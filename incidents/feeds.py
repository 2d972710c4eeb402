import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.public_pages import page_fresh_until

from . import selectors
from .localized import text_in
from .markdown import render_markdown
from .models import Incident

# Control characters XML 1.0 cannot carry; staff may paste text that holds some.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_safe(value):
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


class XMLSafeAtom1Feed(Atom1Feed):
    """Atom that leaves out what XML cannot carry, where Django's would fail (a 500)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class _SiteRequest:
    """
    The request as the feed sees it, at CANDOR_SITE_URL's host: Django's feeds make their
    links absolute with the request's Host, which a client chooses (and the page cache
    would then serve to everyone).
    """

    def __init__(self, request):
        self._request = request
        self._site = urlsplit(settings.SITE_URL)

    def get_host(self):
        return self._site.netloc

    def is_secure(self):
        return self._site.scheme == "https"

    def __getattr__(self, name):
        return getattr(self._request, name)


class LatestUpdatesFeed(Feed):
    """Every public timeline update, newest first."""

    feed_type = XMLSafeAtom1Feed
    subtitle = _("Updates on security incidents, newest first.")

    def get_feed(self, obj, request):
        return super().get_feed(obj, _SiteRequest(request))

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # A scheduled update changes the feed when it comes due: cache until then.
        return page_fresh_until(response, selectors.update_next_scheduled_at())

    def title(self):
        return settings.SITE_NAME

    def link(self):
        return reverse("home")

    def items(self):
        return selectors.update_list_latest(limit=50)

    def item_title(self, item):
        return f"{text_in(item.incident, 'title')}: {item.get_status_display()}"

    def item_description(self, item):
        body = text_in(item, "body")
        if body.is_fallback:
            note = (
                _(
                    "This update was corrected after it was translated; it is shown in "
                    "English until the translation is corrected too."
                )
                if body.is_behind
                else _("This update has not been translated yet; it is shown in English.")
            )
            return format_html("<p><em>{}</em></p>{}", note, render_markdown(body))
        return render_markdown(body)

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
        return f"{text_in(obj, 'title')} · {settings.SITE_NAME}"

    def link(self, obj):
        return obj.get_absolute_url()

    def subtitle(self, obj):
        return text_in(obj, "summary")

    def items(self, obj):
        return selectors.update_list_latest(limit=50, incident=obj)
