"""What a person recognises in a session list: "Firefox 121 on Windows 10", not a user agent."""

from functools import lru_cache

from django.utils.translation import gettext as _
from ua_parser import parse


@lru_cache(maxsize=1024)
def _parsed(user_agent: str) -> tuple[str, str]:
    result = parse(user_agent)
    browser = system = ""
    if result.user_agent and result.user_agent.family != "Other":
        browser = " ".join(filter(None, [result.user_agent.family, result.user_agent.major]))
    if result.os and result.os.family != "Other":
        system = " ".join(filter(None, [result.os.family, result.os.major]))
    device = result.device.family if result.device else ""
    if device not in {"", "Other", "Generic Smartphone", "Mac"} and device not in system:
        system = f"{system} ({device})" if system else device
    return browser, system


def device_name(user_agent: str | None) -> str:
    browser, system = _parsed((user_agent or "")[:500])
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("An unknown browser")
