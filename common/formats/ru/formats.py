"""Russian dates and times: 24-hour clock, months in the genitive ("25 ноября").

"25 ноября 2026, 17:55" everywhere (pages, admin, emails, CSV); weekdays in
lower case ("среда, 25 ноября"), which common/dates.py applies. Django's `E`
is the month's genitive ("ноября"), `F` the nominative ("Ноябрь") that reads
wrong after a day number.
"""

DATE_FORMAT = "j E Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j E Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "j E Y"
SHORT_DATETIME_FORMAT = "j E Y, H:i"
WEEKDAY_DATE_FORMAT = "l, j E"
DAY_MONTH_FORMAT = "j E"
