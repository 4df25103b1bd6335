# A day in prose as "20 November 2026", in tables as "20 Nov 2026" (Babel long, medium).
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
# Numbers as Babel writes Frisian ones: 3,50 hours (Django has no Frisian formats).
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
