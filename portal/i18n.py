"""
The language switcher, with no JavaScript.

Every human page lives under its language's prefix (/en/, /es/), so a page's
language is part of its address and the public page cache and CDNs need no
`Vary: Cookie`. The switcher goes to the same page in the other language
through `language_switch`, which also remembers the choice in the language
cookie: a bare `/` is then redirected to it (LocaleMiddleware).

On public pages (the same for everyone, no CSRF token) the switcher is a plain
link, which changes only this browser. On personal pages it is a form: its POST,
CSRF-checked, also stores the language of a signed-in person, which later emails
use. A GET never writes: any other site can make a browser follow a link.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.services import user_language_set


def language_links(path: str) -> list[dict]:
    """For each language: its code, its own name, and `path` in it (plain, absolute, and
    through the switch that remembers the choice)."""
    current = translation.get_language()
    links = []
    for code, name in settings.LANGUAGES:
        url = translate_url(path, code)
        switch = reverse("language-switch", args=[code])
        links.append(
            {
                "code": code,
                "name": name,
                "url": url,
                "absolute_url": settings.SITE_URL.rstrip("/") + url,
                "switch_url": f"{switch}?{urlencode({'next': url})}",
                "current": code == current,
            }
        )
    return links


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def language_switch(request, code):
    """Remember the reader's language and go to `next`, a page on this site only.
    Only a POST (the switcher's form, CSRF-checked) stores it on the person too."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        with translation.override(code):
            target = reverse("home")
    if request.method == "POST" and request.user.is_authenticated:
        user_language_set(user=request.user, language=code)
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
