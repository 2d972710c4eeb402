"""
Accessibility checks for browser tests: axe-core (through axe-playwright-python) and
the layout checks axe cannot make (reflow at narrow widths and at 200% zoom).
"""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# WCAG 2.2 levels A and AA, as axe-core tags its rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_axe = Axe()
FIELD_VALUE = re.compile(r'value="[^"]*"')


def axe_violations(page: Page) -> list[dict]:
    """What axe-core finds wrong with the page as it is now, for the WCAG A and AA rules."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return _axe.run(page, options=options).response["violations"]


def describe(violations: list[dict]) -> str:
    """One paragraph per rule broken: what, how bad, where, and axe's hint to fix it."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - at {' '.join(map(str, node['target']))}")
            # Without field values: a failing page may be the one showing a secret or codes.
            html = FIELD_VALUE.sub("value=…", node["html"])
            lines.append(f"    {html[:200]}")
            for hint in node["failureSummary"].splitlines()[1:]:
                lines.append(f"    {hint.strip()}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """No axe-core violation of WCAG 2.2 A or AA on the page as it is now."""
    violations = axe_violations(page)
    assert not violations, f"{page.url} breaks WCAG rules:\n{describe(violations)}"


def overflows_horizontally(page: Page) -> bool:
    """Whether the page is wider than the window: a reader would have to scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
