# Finnish writes a day in numbers, 20.11.2026: its month abbreviations ("mar" for
# marraskuu, November) read as other months to anyone used to English ones.
# In prose Django's own "20. marraskuuta 2026" (DATE_FORMAT) is already the Finnish way.
SHORT_DATE_FORMAT = "j.n.Y"
SHORT_DATETIME_FORMAT = "j.n.Y H.i"
