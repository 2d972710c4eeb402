"""
The demo: one realistic incident, its timeline and FAQs, and three people.

Every value here is demo data (example.com addresses, obviously demo
passwords). Used by `manage.py seed_demo`; safe to run again: what exists is
left as it is, so nothing is duplicated.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from incidents import services
from incidents.models import FAQ, DataCategory, ImportBatch, Incident, Severity, Status, Update
from incidents.services import imports

from .demo_es import CATEGORIES_ES, FAQS_ES, INCIDENT_ES, UPDATES_ES

INCIDENT_SLUG = "2026-11-customer-data-breach"
DEMO_LANGUAGE = "en"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str


# The demo staff member's authenticator secret: add it to any authenticator app (or use a
# recovery code printed by seed_demo). A demo value; never reuse it.
DEMO_STAFF_TOTP_SECRET = "DEMOSTAFFDEMOSTAFFDEMOSTAFF23456"  # noqa: S105 - demo value

DEMO_LOGINS = [
    DemoLogin("alice@example.com", "demo-password-alice", "customer who will be affected"),
    DemoLogin("bob@example.com", "demo-password-bob", "customer who was not affected"),
    DemoLogin("staff@example.com", "demo-password-staff", "staff (comms team and support)"),
]

CATEGORIES = [
    (
        "email",
        "Email address",
        False,
        "Expect more phishing. We will never ask for your password or codes by email. "
        "Do not click links in emails about this incident: type our address yourself.",
    ),
    (
        "password-hash",
        "Password (hashed)",
        True,
        "Your password was stored scrambled, but treat it as known. **Set a new password** "
        "here, and change it anywhere else you used the same one. Turn on two-factor "
        "authentication.",
    ),
    (
        "phone",
        "Phone number",
        False,
        "Be wary of calls or texts that claim to be from us. We will never ask you for a "
        "code we sent you. Ask your mobile provider to protect your number from SIM swaps.",
    ),
    (
        "postal-address",
        "Postal address",
        False,
        "Be suspicious of letters that ask you to call a number or pay. Look up our "
        "contact details yourself.",
    ),
    (
        "date-of-birth",
        "Date of birth",
        False,
        "Your date of birth can be used to impersonate you. Consider a credit freeze and "
        "watch your credit report.",
    ),
    (
        "payment-card",
        "Payment card (last four digits and expiry)",
        False,
        "Full card numbers were not involved. Check your statements and tell your bank "
        "about anything you do not recognise.",
    ),
    (
        "government-id",
        "Government ID number",
        False,
        "Place a fraud alert or credit freeze with the credit bureaus and use the "
        "credit-monitoring code we give you.",
    ),
]

FAQS = [
    (
        "How do I know whether my information was involved?",
        "Sign in to your account on this site. Your account page tells you, privately, "
        "whether your information was involved and which kinds. Nobody else can look this "
        "up for you.",
        True,
    ),
    (
        "Was my password exposed?",
        "Stored passwords were scrambled (hashed), but we are treating them as exposed. "
        "If yours was involved you will be asked to choose a new one when you next sign in.",
        True,
    ),
    (
        "Were my payment card details taken?",
        "Full card numbers and security codes were **not** involved. For some customers "
        "the last four digits and expiry date were.",
        True,
    ),
    (
        "I received an email about this. Is it really from you?",
        "Our emails never contain sign-in links and never ask for your password. If in "
        "doubt, do not click: type our address into your browser yourself.",
        False,
    ),
    (
        "What is two-factor authentication and should I turn it on?",
        "It asks for a code from an app on your phone as well as your password, so a "
        "stolen password alone is not enough. Yes: we recommend it for everyone.",
        False,
    ),
    (
        "Will you pay for credit monitoring?",
        "Yes. Customers whose government ID or date of birth was involved get a free "
        "24-month credit-monitoring code, shown on their account page.",
        True,
    ),
    (
        "Have you told the authorities?",
        "Yes. We notified the data protection authority within 72 hours of confirming the "
        "breach, and we are working with law enforcement.",
        True,
    ),
    (
        "How do I contact a person?",
        "Write to help@example.com. A person reads every message, and questions from "
        "affected customers are answered first.",
        False,
    ),
]


@dataclass(frozen=True)
class Demo:
    logins: list[DemoLogin]
    staff_totp_secret: str
    staff_recovery_codes: list[str]


@transaction.atomic
def demo_seed(*, now: dt.datetime | None = None) -> Demo:
    """Create the demo if it is missing; returns the logins and staff codes. Idempotent."""
    now = now or timezone.now()
    # Written in English: `title=` fills the active language's column (django-modeltranslation),
    # so English is active whoever runs it; the Spanish is given by name (`title_es`).
    with translation.override(DEMO_LANGUAGE):
        categories = _categories()
        incident = Incident.objects.filter(slug=INCIDENT_SLUG).first()
        if incident is None:
            incident = _incident(now, categories)
            _timeline(incident, now)
            _faqs(incident)
            _affected_people(incident)
            _clocks(incident, now)
        _users()
        _support(incident)
    return Demo(
        logins=DEMO_LOGINS,
        staff_totp_secret=DEMO_STAFF_TOTP_SECRET,
        staff_recovery_codes=_staff_two_factor(),
    )


def _categories() -> dict[str, DataCategory]:
    result = {}
    for order, (slug, name, reset, advice) in enumerate(CATEGORIES):
        category = DataCategory.objects.filter(slug=slug).first()
        if category is None:
            category = services.data_category_save(
                category=DataCategory(
                    slug=slug,
                    name=name,
                    advice=advice,
                    name_es=CATEGORIES_ES[slug][0],
                    advice_es=CATEGORIES_ES[slug][1],
                    requires_password_reset=reset,
                    order=order,
                )
            )
        result[slug] = category
    return result


def _incident(now, categories) -> Incident:
    incident = Incident(
        slug=INCIDENT_SLUG,
        title="Unauthorised access to customer account data",
        summary=(
            "An attacker copied part of our customer database. Passwords were stored "
            "hashed; full card numbers were not involved."
        ),
        status=Status.INVESTIGATING,
        severity=Severity.MAJOR,
        what_happened=(
            "On 18 November our security team detected unusual queries against a customer "
            "database replica. We shut off the access the same day. Our investigation, with "
            "an outside forensic firm, confirmed that an attacker had used a leaked "
            "credential of a contractor to copy part of the database."
        ),
        what_information=(
            "For the customers involved, the copied data included some or all of the "
            "following. Sign in to see exactly which applied to you."
        ),
        what_we_are_doing=(
            "- We revoked the credential and closed the access path.\n"
            "- We are requiring a new password from every customer whose password hash was "
            "involved.\n"
            "- We notified the data protection authority and law enforcement.\n"
            "- We are offering 24 months of free credit monitoring to customers whose ID or "
            "date of birth was involved."
        ),
        what_you_can_do=(
            "Sign in to see what applied to you. Whatever it was: be alert to phishing, "
            "and turn on two-factor authentication."
        ),
        message_standard=(
            "We are sorry. Your information was in the copied data. Below is exactly what was "
            "involved and what we suggest you do about each part."
        ),
        message_priority=(
            "We are deeply sorry. Your information was in the copied data, including details "
            "that could be used to impersonate you. We are paying for **24 months of credit "
            "monitoring** for you; your enrollment code is below. A specialist team answers "
            "your questions first."
        ),
        remedy_instructions=(
            "Enroll at the credit-monitoring provider's site by typing its address yourself, "
            "and enter this code. It is yours alone and works once."
        ),
        more_information=(
            "Questions not answered here? Write to us; a person reads every message."
        ),
        detected_at=now - dt.timedelta(days=5, hours=3),
        confirmed_at=now - dt.timedelta(days=4),
        disclosed_at=now - dt.timedelta(days=3, hours=20),
        is_published=True,
        **INCIDENT_ES,
    )
    return services.incident_save(incident=incident, data_categories=categories.values())


def _timeline(incident, now) -> None:
    _update_create(
        incident=incident,
        status=Status.INVESTIGATING,
        body=(
            "We are investigating unauthorised access to a customer database. We will post "
            "what we know here as soon as we can confirm it."
        ),
        publish_at=now - dt.timedelta(days=3, hours=20),
    )
    corrected = _update_create(
        incident=incident,
        status=Status.IDENTIFIED,
        body=(
            "We have identified how the attacker got in: a leaked contractor credential. "
            "About 120,000 customers are affected."
        ),
        publish_at=now - dt.timedelta(days=2, hours=6),
    )
    # Corrected in the open: readers see it was edited and what it said before.
    corrected.body = (
        "We have identified how the attacker got in: a leaked contractor credential. "
        "About 142,000 customers are affected (corrected from 120,000 after the forensic "
        "count)."
    )
    corrected.body_es = UPDATES_ES[Status.IDENTIFIED]
    services.update_save(update=corrected)
    _update_create(
        incident=incident,
        status=Status.CONTAINED,
        body=(
            "The access path is closed and the credential revoked. Customers whose password "
            "hash was involved must set a new password when they next sign in."
        ),
        publish_at=now - dt.timedelta(hours=20),
    )
    _update_create(
        incident=incident,
        status=Status.MONITORING,
        body=(
            "We have emailed every affected customer. We continue to monitor for misuse of "
            "the data and will post again within 24 hours."
        ),
        publish_at=now - dt.timedelta(hours=2),
    )
    _update_create(
        incident=incident,
        status=Status.MONITORING,
        body="Daily update: no misuse of the copied data has been seen so far.",
        publish_at=now + dt.timedelta(hours=22),
    )


def _update_create(*, incident, status, body, publish_at) -> Update:
    update = Update(incident=incident, status=status, body=body, publish_at=publish_at)
    if status != Status.IDENTIFIED:  # that one is translated once corrected, below
        update.body_es = UPDATES_ES.get(status, "")
    return services.update_save(update=update)


def _faqs(incident) -> None:
    for order, (question, answer, about_incident) in enumerate(FAQS):
        services.faq_save(
            faq=FAQ(
                incident=incident if about_incident else None,
                question=question,
                answer=answer,
                question_es=FAQS_ES.get(question, ("", ""))[0],
                answer_es=FAQS_ES.get(question, ("", ""))[1],
                order=order,
            )
        )


def _clocks(incident, now) -> None:
    """Regulators' deadlines: two filed on time, two still running, one not started."""
    from incidents.models import Obligation, Regime
    from incidents.services import clocks

    filed = {"GDPR Art. 33": "DPA-2026-11-0412", "NIS2 early warning": "CSIRT-EW-7781"}
    regimes = ["GDPR Art. 33", "NIS2 early warning", "NIS2 final report", "SEC Form 8-K Item 1.05"]
    for name in regimes:
        obligation = Obligation(incident=incident, regime=Regime.objects.get(name=name))
        if name in filed:
            obligation.filed_at = now - dt.timedelta(days=2)
            obligation.reference = filed[name]
        clocks.obligation_save(obligation=obligation)


def _affected_people(incident) -> None:
    """Load the affected list through the same import the comms team uses."""
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow([*imports.HEADER, "country", "region"])
    writer.writerow(
        ["alice@example.com", "email;password-hash;phone", "priority", "DEMO-CM-7Q4K-2X9P",
         "IE", ""]
    )  # fmt: skip
    # Where they live (ISO 3166 codes): the regulators' page suggests from it.
    places = [("DE", ""), ("FR", ""), ("IE", ""), ("IN", "IN-MH"), ("US", "US-CA")]
    for n in range(1, 41):
        categories = "email;password-hash" if n % 3 else "email;phone;date-of-birth"
        country, region = places[n % len(places)]
        writer.writerow(
            [f"customer{n:03d}@example.net", categories, "standard", "", country, region]
        )
    source = io.BytesIO(rows.getvalue().encode())
    batch = ImportBatch(
        incident=incident,
        original_name="demo-affected-people.csv",
        total_rows=imports.import_file_check(source),
    )
    batch.file.save("demo-affected-people.csv", File(source), save=True)
    imports.import_batch_run(batch=batch)


def _staff_two_factor() -> list[str]:
    """The admin needs two-factor authentication: enroll the demo staff member."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    staff = get_user_model().objects.get(email__iexact="staff@example.com")
    if not Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(staff, DEMO_STAFF_TOTP_SECRET)
    codes = Authenticator.objects.filter(
        user=staff, type=Authenticator.Type.RECOVERY_CODES
    ).first()
    recovery = RecoveryCodes(codes) if codes else RecoveryCodes.activate(staff)
    return recovery.get_unused_codes()


CANNED = [
    (
        "Were you affected? (how to check)",
        "Hello {name},\n\nThank you for writing. To see whether your information was involved "
        "in {incident}, type {site_url} into your browser, sign in and open “Was I affected?”. "
        "Only you can see it there.\n\nWe will never ask for your password by email.",
    ),
    (
        "Suspicious email: not from us",
        "Hello {name},\n\nThank you for forwarding it. That message did not come from us: "
        "please delete it and do not click its links. Our emails contain no sign-in links. "
        "If you entered your password after clicking, set a new one at {site_url} now.",
    ),
    (
        "Credit monitoring code",
        "Hello {name},\n\nYour credit-monitoring code is shown on your status page at "
        "{site_url} once you sign in. It works once and is yours alone.",
    ),
]


# The same replies in Spanish (usted), for questions asked in Spanish.
CANNED_ES = {
    "Were you affected? (how to check)": (
        "Hola, {name}:\n\nGracias por escribirnos. Para saber si su información estaba entre "
        "los datos de {incident}, escriba {site_url} en su navegador, inicie sesión y abra "
        "«¿Me afectó?». Solo usted puede verlo ahí.\n\nNunca le pediremos su contraseña por "
        "correo electrónico."
    ),
    "Suspicious email: not from us": (
        "Hola, {name}:\n\nGracias por reenviárnoslo. Ese mensaje no es nuestro: bórrelo y no "
        "pulse sus enlaces. Nuestros correos no contienen enlaces para iniciar sesión. Si "
        "escribió su contraseña después de pulsar, elija una nueva en {site_url} ahora."
    ),
    "Credit monitoring code": (
        "Hola, {name}:\n\nSu código de vigilancia crediticia aparece en su página «¿Me "
        "afectó?» en {site_url} cuando inicia sesión. Funciona una sola vez y es solo suyo."
    ),
}


def _support(incident) -> None:
    """Canned replies for agents, and one question waiting in the inbox."""
    from support.models import CannedResponse, Ticket
    from support.services import ticket_create

    for title, body in CANNED:
        CannedResponse.objects.get_or_create(
            title=title, defaults={"body_en": body, "body_es": CANNED_ES.get(title)}
        )
    bob = get_user_model().objects.get(email__iexact="bob@example.com")
    if not Ticket.objects.filter(requester=bob).exists():
        ticket_create(
            subject="I got an email asking me to confirm my card",
            category="phishing",
            body="It says it is from you and links to a site to confirm my card. Is it real?",
            incident=incident,
            user=bob,
        )


def _users() -> None:
    User = get_user_model()
    for login in DEMO_LOGINS:
        if User.objects.filter(email__iexact=login.email).exists():
            continue
        is_staff = login.email.startswith("staff@")
        user = User.objects.create_user(
            login.email,
            login.password,
            full_name=login.email.split("@")[0].capitalize(),
            is_staff=is_staff,
            is_superuser=is_staff,
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
