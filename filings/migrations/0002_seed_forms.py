"""
What the regimes seeded in incidents ask for (their report forms), California's Attorney
General, the rules that suggest a regime, and the comms team's permissions on reports.
"""

from django.db import migrations


# What each regime's report asks for: (key, label, help text, source, prefill).
# A regime added later gets its form in the admin (Report forms): no code.
GDPR_33 = [
    ("nature", "Nature of the personal data breach",
     "What happened, how it was discovered, and whether it is a breach of confidentiality, "
     "integrity or availability.", "GDPR Art. 33(3)(a)", "what_happened"),
    ("data_subjects", "Categories and approximate number of data subjects concerned",
     "How many people, and where they live; say if the number is approximate.",
     "GDPR Art. 33(3)(a)", "people"),
    ("records", "Categories and approximate number of personal data records concerned",
     "Each kind of personal data, with how many people's records of it.",
     "GDPR Art. 33(3)(a)", "categories"),
    ("contact_point", "Name and contact details of the data protection officer or other "
     "contact point", "Where the authority can obtain more information.",
     "GDPR Art. 33(3)(b)", "more_information"),
    ("consequences", "Likely consequences of the personal data breach",
     "E.g. phishing, identity theft, financial loss, for the people concerned.",
     "GDPR Art. 33(3)(c)", "what_information"),
    ("measures", "Measures taken or proposed to address the breach, including to mitigate "
     "its possible adverse effects", "", "GDPR Art. 33(3)(d)", "what_we_are_doing"),
    ("key_times", "Key times", "When the breach happened, was detected and confirmed "
     "(awareness starts the 72 hours).", "GDPR Art. 33(1)", "key_times"),
    ("delay_reasons", "Reasons for the delay",
     "Only when notifying after 72 hours.", "GDPR Art. 33(1)", ""),
    ("to_follow", "Information to be provided in phases",
     "What is not known yet and will follow without undue further delay; file the draft "
     "again as each phase is sent.", "GDPR Art. 33(4)", ""),
]
NIS2_EARLY = [
    ("summary", "What is known so far", "", "NIS2 Art. 23(4)(a)", "summary"),
    ("malicious", "Suspected unlawful or malicious act?",
     "Whether the incident is suspected of being caused by unlawful or malicious acts.",
     "NIS2 Art. 23(4)(a)", ""),
    ("cross_border", "Possible cross-border impact?",
     "Whether the incident could have a cross-border impact.", "NIS2 Art. 23(4)(a)", "people"),
    ("key_times", "Key times", "Awareness starts the 24 hours.", "NIS2 Art. 23(4)(a)",
     "key_times"),
]
NIS2_NOTIFICATION = [
    ("summary", "Update of the early warning", "", "NIS2 Art. 23(4)(b)", "summary"),
    ("malicious", "Suspected unlawful or malicious act?", "", "NIS2 Art. 23(4)(b)", ""),
    ("cross_border", "Possible cross-border impact?", "", "NIS2 Art. 23(4)(b)", "people"),
    ("assessment", "Initial assessment: severity and impact",
     "The initial assessment of the significant incident, including its severity and impact.",
     "NIS2 Art. 23(4)(b)", "what_happened"),
    ("indicators", "Indicators of compromise", "Where available.", "NIS2 Art. 23(4)(b)", ""),
    ("key_times", "Key times", "", "NIS2 Art. 23(4)(b)", "key_times"),
]
NIS2_FINAL = [
    ("assessment", "Detailed description of the incident, its severity and impact", "",
     "NIS2 Art. 23(4)(d)(i)", "what_happened"),
    ("root_cause", "Type of threat or root cause that is likely to have triggered it", "",
     "NIS2 Art. 23(4)(d)(ii)", ""),
    ("mitigation", "Applied and ongoing mitigation measures", "", "NIS2 Art. 23(4)(d)(iii)",
     "what_we_are_doing"),
    ("cross_border", "Cross-border impact, where applicable", "", "NIS2 Art. 23(4)(d)(iv)",
     "people"),
]
SEC_8K = [
    ("nature_scope_timing", "Material aspects of the nature, scope and timing of the incident",
     "Technical details that would impede the response or remediation need not be disclosed "
     "(Instruction 4).", "Form 8-K Item 1.05(a)", "what_happened"),
    ("impact", "Material impact or reasonably likely material impact on the registrant",
     "Including on its financial condition and results of operations.",
     "Form 8-K Item 1.05(a)", ""),
    ("key_times", "Key times", "The four business days run from the materiality "
     "determination.", "Form 8-K Item 1.05, General Instruction B.1", "key_times"),
]
CERT_IN = [
    ("contact", "Reporting organisation and point of contact", "",
     "CERT-In Directions of 28 April 2022, (ii) and (vi)", "more_information"),
    ("incident_type", "Type of incident", "One of the types listed in Annexure I.",
     "CERT-In Directions, Annexure I", ""),
    ("key_times", "Time of occurrence and of detection", "Report within 6 hours of noticing.",
     "CERT-In Directions, (ii)", "key_times"),
    ("description", "Description of the incident and systems affected", "",
     "CERT-In incident reporting form", "what_happened"),
    ("people", "Users affected", "", "CERT-In incident reporting form", "people"),
    ("actions", "Actions taken", "", "CERT-In incident reporting form", "what_we_are_doing"),
]
RBI = [
    ("description", "Nature of the cyber incident", "", "RBI cyber incident reporting",
     "what_happened"),
    ("key_times", "Date and time of detection", "Report within 6 hours of detection.",
     "RBI cyber incident reporting", "key_times"),
    ("impact", "Customers and data affected", "", "RBI cyber incident reporting", "categories"),
    ("actions", "Containment and recovery actions", "", "RBI cyber incident reporting",
     "what_we_are_doing"),
]
HIPAA_HHS = [
    ("key_times", "Dates of the breach and of its discovery", "",
     "45 CFR 164.408; HHS breach report form", "key_times"),
    ("individuals", "Approximate number of individuals affected",
     "500 or more: notify the Secretary within 60 days of discovery; fewer: within 60 days "
     "of the end of the calendar year.", "45 CFR 164.408(b), (c)", "people"),
    ("type", "Type of breach and location of the breached information", "",
     "HHS breach report form", "what_happened"),
    ("phi", "Type of protected health information involved", "",
     "HHS breach report form; 45 CFR 164.404(c)(1)(B)", "categories"),
    ("actions", "Safeguards in place and actions taken in response", "",
     "HHS breach report form", "what_we_are_doing"),
]
CALIFORNIA = [
    ("sample_notice", "Sample copy of the notice sent to California residents",
     "Without any personally identifiable information; the sections as Civ. Code 1798.82(d) "
     "heads them.", "Cal. Civ. Code 1798.82(f)", "notice"),
    ("people", "Number of California residents notified", "", "Cal. Civ. Code 1798.82(f)",
     "people"),
    ("key_times", "Dates of the breach and of the notice", "", "Cal. Civ. Code 1798.82(d)(2)",
     "key_times"),
]

CALIFORNIA_REGIME = {
    "name": "California Attorney General (Civ. Code 1798.82(f))",
    "authority": "California Attorney General (sample notice submission)",
    "starts": "decision",
    "hours": 15 * 24,
    "notes": "More than 500 California residents notified: submit a sample copy of the "
    "notice to the Attorney General. Start the clock when the residents are notified; "
    "check the current statute for the period.",
}

# regime name: (fields, the regime it is a later phase of, instructions)
FORMS = {
    "GDPR Art. 33": (GDPR_33, None, "Use the lead supervisory authority's online form."),
    "NIS2 early warning": (NIS2_EARLY, None, ""),
    "NIS2 incident notification": (NIS2_NOTIFICATION, "NIS2 early warning", ""),
    "NIS2 final report": (NIS2_FINAL, "NIS2 incident notification", ""),
    "SEC Form 8-K Item 1.05": (SEC_8K, None, "Filed on EDGAR as a Form 8-K."),
    "India CERT-In": (CERT_IN, None, "Email incident@cert-in.org.in or use CERT-In's portal."),
    "RBI": (RBI, None, ""),
    "HIPAA breach notification": (HIPAA_HHS, None, "HHS's breach portal."),
    CALIFORNIA_REGIME["name"]: (CALIFORNIA, None, "The Attorney General's online form."),
}

EU_EEA = ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
          "IS LI NO")
RULES = [
    # name, regime, countries, regions, more than, source
    ("People in the EU or EEA", "GDPR Art. 33", EU_EEA, "", 0,
     "GDPR Art. 3 (territorial scope) and Art. 33; the EEA Agreement"),
    ("People in India", "India CERT-In", "IN", "", 0,
     "CERT-In Directions under s. 70B(6) of the IT Act, 28 April 2022"),
    ("More than 500 California residents", CALIFORNIA_REGIME["name"], "", "US-CA", 500,
     "Cal. Civ. Code 1798.82(f)"),
]


def seed(apps, schema_editor):
    Regime = apps.get_model("incidents", "Regime")
    FilingForm = apps.get_model("filings", "FilingForm")
    FilingField = apps.get_model("filings", "FilingField")
    SuggestionRule = apps.get_model("filings", "SuggestionRule")
    Regime.objects.get_or_create(name=CALIFORNIA_REGIME["name"], defaults=CALIFORNIA_REGIME)
    regimes = {r.name: r for r in Regime.objects.filter(name__in=FORMS)}
    for name, (fields, follows, instructions) in FORMS.items():
        if name not in regimes or FilingForm.objects.filter(regime=regimes[name]).exists():
            continue
        form = FilingForm.objects.create(
            regime=regimes[name], follows=regimes.get(follows), instructions=instructions
        )
        FilingField.objects.bulk_create(
            FilingField(form=form, order=order, key=key, label=label, help_text=help_text,
                        source=source, prefill=prefill)
            for order, (key, label, help_text, source, prefill) in enumerate(fields, start=1)
        )
    for name, regime, countries, regions, more_than, source in RULES:
        if regime in regimes:
            SuggestionRule.objects.get_or_create(
                name=name,
                defaults={"regime": regimes[regime], "countries": countries,
                          "regions": regions, "more_than": more_than, "source": source},
            )


GRANTS = {
    "draft": ["view", "change"],
    "filing": ["view"],
    "filingform": ["view", "add", "change", "delete"],
    "filingfield": ["view", "add", "change", "delete"],
    "suggestionrule": ["view", "add", "change", "delete"],
}


def grant(apps, schema_editor):
    """The comms team writes the reports; support agents do not see them."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("filings")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Comms team")
    codenames = [f"{action}_{model}" for model, actions in GRANTS.items() for action in actions]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="filings", codename__in=codenames)
    )


def unseed(apps, schema_editor):
    apps.get_model("incidents", "Regime").objects.filter(name=CALIFORNIA_REGIME["name"]).delete()



class Migration(migrations.Migration):
    dependencies = [
        ("filings", "0001_initial"),
        ("incidents", "0004_seed_regimes"),
        ("support", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
