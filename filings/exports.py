"""A draft as a PDF (WeasyPrint), on A4 or US Letter paper."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from .models import Draft
from .selectors import draft_sections

PAGE_SIZES = {"a4": _("A4"), "letter": _("Letter")}


def draft_pdf(*, draft: Draft, size: str = "a4") -> bytes:
    """The draft's last saved version, laid out for printing or attaching to a filing."""
    # Imported here: WeasyPrint loads pango when imported, which only PDFs need.
    from weasyprint import HTML

    html = render_to_string(
        "filings/draft_pdf.html",
        {
            "draft": draft,
            "obligation": draft.obligation,
            "sections": draft_sections(draft=draft),
            "page_size": "letter" if size == "letter" else "A4",
        },
    )
    return HTML(string=html, base_url=None).write_pdf()
