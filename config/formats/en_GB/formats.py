"""Dates as people read them, the one place for the whole service: 4 March 2026; 4 March 2026, 10:15.
Django's en_GB formats give "4 Mar 2026": these take precedence (FORMAT_MODULE_PATH), the rest are Django's."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
