# One way of writing a moment everywhere, pages, emails and the admin: "6 Dec 2026, 14:00"
# (times are UTC). Django's own English formats ("Dec. 6, 2026, 2 p.m.") differed from ours.
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
