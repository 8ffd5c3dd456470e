"""English dates and times: the locale's own (CLDR en), 12-hour with AM/PM.

"Nov 25, 2026, 5:55 PM" everywhere (pages, admin, emails, CSV); never "p.m."
(which ends a sentence in a double full stop), never "11/25/2026" beside
"Nov 25, 2026". The policy and the relative words are in common/dates.py.
"""

DATE_FORMAT = "M j, Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "M j, Y, g:i A"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "M j"
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y, g:i A"
# common/dates.py: a date with its weekday, and a date in the current year.
WEEKDAY_DATE_FORMAT = "l, M j"
DAY_MONTH_FORMAT = "M j"
