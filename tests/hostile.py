"""
A corpus of hostile input, and the checks that it came back harmless.

Every form and every Markdown field is fed these (tests/test_hostile_forms.py,
tests/e2e/test_hostile_markdown.py). Each payload has a name, so a failure says
which one got through.
"""

from html.parser import HTMLParser

# Markup that runs script when it reaches a page as HTML, or as Markdown turned into HTML.
MARKUP = {
    "script-tag": "<script>window.__pwned=1;alert(1)</script>",
    "script-tag-mixed-case": "<ScRiPt>window.__pwned=1</sCrIpT>",
    "script-split": "<scr<script>ipt>window.__pwned=1</scr</script>ipt>",
    "img-onerror": '<img src=x onerror="window.__pwned=1;alert(1)">',
    "img-onerror-unquoted": "<img src=x onerror=window.__pwned=1>",
    "svg-onload": "<svg onload=window.__pwned=1></svg>",
    "svg-script": "<svg><script>window.__pwned=1</script></svg>",
    "svg-animate-href": (
        '<svg><a><animate attributeName=href values="javascript:window.__pwned=1"/>'
        "<text y=20>click</text></a></svg>"
    ),
    "math-xlink": '<math><mi xlink:href="javascript:window.__pwned=1">x</mi></math>',
    "iframe-srcdoc": '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "iframe-javascript": '<iframe src="javascript:parent.__pwned=1"></iframe>',
    "object-data": '<object data="data:text/html,<script>parent.__pwned=1</script>"></object>',
    "embed": '<embed src="javascript:window.__pwned=1">',
    "body-onload": "<body onload=window.__pwned=1>",
    "details-ontoggle": "<details open ontoggle=window.__pwned=1><summary>x</summary></details>",
    "input-autofocus": "<input autofocus onfocus=window.__pwned=1>",
    "video-onerror": "<video><source onerror=window.__pwned=1></video>",
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
    "base-href": '<base href="javascript:window.__pwned=1//">',
    "form-action": '<form action="javascript:window.__pwned=1"><button>go</button></form>',
    "link-import": '<link rel=import href="data:text/html,<script>__pwned=1</script>">',
    "style-expression": '<p style="width:expression(window.__pwned=1)">x</p>',
    "style-tag": "<style>@import 'javascript:window.__pwned=1';</style>",
    "style-url": '<div style="background:url(javascript:window.__pwned=1)">x</div>',
    "a-javascript": '<a href="javascript:window.__pwned=1">click</a>',
    "a-javascript-tab": '<a href="jav&#x09;ascript:window.__pwned=1">click</a>',
    "a-javascript-entity": '<a href="javascript&#58;window.__pwned=1">click</a>',
    "a-vbscript": '<a href="vbscript:msgbox(1)">click</a>',
    "a-target-blank": '<a href="https://evil.example/" target="_blank">tabnabbing</a>',
    "a-onclick": '<a href="https://example.com/" onclick="window.__pwned=1">x</a>',
    "attribute-breakout": '"><script>window.__pwned=1</script>',
    "attribute-breakout-single": "'><img src=x onerror=window.__pwned=1>",
    "comment-breakout": "<!--><script>window.__pwned=1</script>-->",
    "cdata": "<![CDATA[<script>window.__pwned=1</script>]]>",
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>">',
    "template-tag": "<template><script>window.__pwned=1</script></template>",
    "textarea-breakout": "</textarea><script>window.__pwned=1</script>",
    "title-breakout": "</title><script>window.__pwned=1</script>",
    "json-breakout": "</script><script>window.__pwned=1</script>",
}

# Markdown's own ways of making links and images.
MARKDOWN = {
    "md-link-javascript": "[click](javascript:window.__pwned=1)",
    "md-link-javascript-case": "[click](JaVaScRiPt:window.__pwned=1)",
    "md-link-javascript-entity": "[click](javascript&#58;window.__pwned=1)",
    "md-link-javascript-hex-entity": "[click](&#x6A;avascript:window.__pwned=1)",
    "md-link-javascript-space": "[click]( javascript:window.__pwned=1)",
    "md-link-javascript-newline": "[click](java\nscript:window.__pwned=1)",
    "md-link-javascript-percent": "[click](javascript%3Awindow.__pwned=1)",
    "md-link-data-html": (
        "[click](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0xPC9zY3JpcHQ+)"
    ),
    "md-link-title-breakout": (
        '[click](https://example.com/ "a\\" onmouseover=\\"window.__pwned=1")'
    ),
    "md-autolink-javascript": "<javascript:window.__pwned=1>",
    "md-autolink-quote": '<https://example.com/"onmouseover="window.__pwned=1>',
    "md-reference-javascript": "[click][evil]\n\n[evil]: javascript:window.__pwned=1",
    "md-image-onerror": '![x](x" onerror="window.__pwned=1)',
    "md-image-javascript": "![x](javascript:window.__pwned=1)",
    "md-html-block": "<div>\n<script>window.__pwned=1</script>\n</div>",
    "md-code-span": "`<script>window.__pwned=1</script>`",
    "md-emphasis-attr": '*<img src=x onerror="window.__pwned=1">*',
    "md-extra-attr-list": 'click me\n{: onclick="window.__pwned=1" }',
    "md-footnote": "x[^1]\n\n[^1]: <script>window.__pwned=1</script>",
    "md-table-cell": "| a |\n|---|\n| <img src=x onerror=window.__pwned=1> |",
}

# Text that is harmless only if it stays text: entities, template syntax.
TEXT = {
    "entity-encoded-script": "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
    "double-encoded-script": "&amp;lt;script&amp;gt;window.__pwned=1&amp;lt;/script&amp;gt;",
    "numeric-entities": "&#60;script&#62;window.__pwned=1&#60;/script&#62;",
    "django-variable": "{{ settings.SECRET_KEY }} {{ request.user.password }}",
    "django-tag": "{% load static %}{% debug %}{% include 'base.html' %}",
    "django-comment": "{# hidden #}{% comment %}x{% endcomment %}",
    "jinja-ssti": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "format-string": "%s %d %(name)s {0} {name} {reference}",
    "sql-quote": "'; DROP TABLE incidents_incident; --",
    "csv-formula": "=cmd|'/C calc'!A0",
    "csv-formula-plus": '+HYPERLINK("https://evil.example/","x")',
    "path-traversal": "../../../../etc/passwd",
    "path-traversal-encoded": "..%2f..%2f..%2fetc%2fpasswd",
}

# Characters that are trouble in themselves.
CHARACTERS = {
    "nul-byte": "before\x00after",
    "nul-only": "\x00",
    "control-chars": "a\x01\x02\x07\x08\x0b\x0c\x1b[31mred\x7f",
    "rtl-override": "invoice\u202egnp.exe",
    "bidi-isolates": "\u2066abc\u2069\u2067def\u2069\u2068ghi\u2069\u200f",
    "zero-width": "pass\u200bword\u200c\u200d\ufeff",
    "combining-flood": "Z" + "\u0335\u0336\u0337\u0338" * 200,
    "emoji-astral": "\U0001f4a3\U0001f525 \U0001d54f\U0001d552\U0001d55d",
    "lone-surrogate-escape": "\\ud800",
    "crlf": "line one\r\nBcc: victim@example.com\r\n\r\nbody",
    "unicode-line-separators": "a\u2028b\u2029c\x85d",
    "long-10k": "A" * 10_000,
    "long-word-100k": "W" * 100_000,
}

PAYLOADS = MARKUP | MARKDOWN | TEXT | CHARACTERS

# Long input, tried separately: a million characters through each form.
HUGE = "x" * 1_000_000

# Email addresses that look like others, or try to break a header.
EMAILS = {
    "cyrillic-a": "\u0430lice@example.com",
    "fullwidth-at": "alice\uff20example.com",
    "fullwidth-letters": "\uff41lice@example.com",
    "idn-domain": "alice@ex\u00e4mple.com",
    "idn-punycode": "alice@xn--exmple-cua.com",
    "homoglyph-domain": "alice@examp\u04cfe.com",
    "uppercase": "ALICE@EXAMPLE.COM",
    "plus-tag": "alice+breach@example.com",
    "rtl-override": "alice\u202e@example.com",
    "zero-width": "ali\u200bce@example.com",
    "crlf-bcc": "a@b.example\r\nBcc: victim@example.com",
    "lf-bcc": "a@b.example\nBcc: victim@example.com",
    "comma-two": "a@example.com, victim@example.com",
    "display-name": "Alice <victim@example.com>",
    "quoted-local": '"<script>"@example.com',
    "script-local": "<script>alert(1)</script>@example.com",
    "nul": "alice\x00@example.com",
    "long-local": "a" * 300 + "@example.com",
    "long-domain": "a@" + "b" * 300 + ".com",
    "no-at": "alice.example.com",
    "two-at": "alice@@example.com",
    "trailing-dot": "alice@example.com.",
}


LIVE_TAGS = {"iframe", "frame", "object", "embed", "base", "animate", "set", "foreignobject"}


class _Collector(HTMLParser):
    """What a browser would treat as live: script elements, event handlers, script URLs."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "values"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False
        self.script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in self.URL_ATTRIBUTES and _is_script_url(value):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "srcdoc":
                self.found.append(f"<{tag} srcdoc>")
            if name == "style" and ("expression" in value.lower() or "url(" in value.lower()):
                self.found.append(f"<{tag} style={value!r}>")
        # Frames and SVG animation run script from attributes that are not on... ones.
        if tag in LIVE_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        if tag == "script":
            self.in_script = True
            self.script_text = []

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self.in_script:
            self.script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False
            body = "".join(self.script_text)
            if "__pwned" in body or "alert(" in body:
                self.found.append(f"<script>{body[:60]}</script>")


def _is_script_url(value: str) -> bool:
    # Browsers drop tabs, newlines and leading spaces or control characters from a URL.
    squeezed = "".join(c for c in value if c > " ").lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:text/html"))


def live_markup(html: str) -> list[str]:
    """
    What in a page would run, from content: `<script>` elements carrying a payload,
    `on...=` attributes, `javascript:`/`vbscript:`/`data:text/html` URLs, CSS
    expressions and URLs, frames, SVG animation. Empty when the page is safe. The page's own
    `<script src=...>` tags (no payload) are not reported.
    """
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.found
