# A day as "20 Nov 2026": the month's short name, which this language shares with English.
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
