# Frisian numbers as Babel writes them, 3,50 hours: Django ships no Frisian formats, so it
# wrote the English "3.50".
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
