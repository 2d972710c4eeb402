"""Staff write Markdown; readers get HTML that cannot carry script."""

from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

# An allow-list: anything not named here is removed, with its attributes.
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
    "abbr", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
# No javascript:, data:, or other schemes that run code or smuggle content.
ALLOWED_URL_SCHEMES = {"https", "http", "mailto", "tel"}


def render_markdown(text: str) -> SafeString:
    """Render Markdown to HTML and sanitise it; the result is safe to put in a page."""
    return _rendered(str(text or ""))


# The same texts (the incident's updates and FAQs) are shown on every signed-in page, which
# is never cached whole; rendering them was a fifth of /me/'s Python time in a storm
# (py-spy, bench/load.py --login-storm --spread). A text's HTML depends on the text alone.
@lru_cache(maxsize=512)
def _rendered(text: str) -> SafeString:
    html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
