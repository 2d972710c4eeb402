from django.conf import settings

from .i18n import language_links


def site(request):
    """The company's name and contact details, for every template."""
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "company_name": settings.COMPANY_NAME,
        "support_email": settings.SUPPORT_EMAIL,
        "support_phone": settings.SUPPORT_PHONE,
    }


def languages(request):
    """Links to this page in every language, for the switcher and hreflang alternates."""
    return {"language_links": language_links(request.path)}
