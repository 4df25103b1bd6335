"""Number formats Django has none of, per language (settings.FORMAT_MODULE_PATH).

Days and amounts go through clientwatch/formatting.py (Babel); what Django still writes
itself is a bare number, such as hours in a table.
"""
