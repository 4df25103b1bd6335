# A day in prose as "November 20, 2026", in tables as "20 Nov 2026" (Babel long, medium).
DATE_FORMAT = "F j, Y"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
