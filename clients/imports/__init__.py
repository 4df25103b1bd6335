"""History from the tools freelancers already use: time trackers and invoicing tools.

The import in three steps, each its own module; other importers (bank statements, a sync)
reuse the second and third:

1. `reading.read_file(raw, filename=..., tool=None) -> Source` decodes the bytes (UTF-8
   with or without a byte-order mark, Windows-1252 and others via charset-normalizer),
   recognises the tool from the header (`reading.TOOLS`, one module per tool in
   `formats/`), and reads each row into a plain `WorkRecord` or `InvoiceRecord`. A bad file
   raises `reading.FileInvalid` with every problem named by row and column. Pure.
2. `mapping.default_choices(source, clients, currency) -> Choices`, then
   `mapping.build(source, choices, known=..., defaults=..., today=...) -> Built`: the
   file's client names matched to stored clients (exact, then ignoring case and
   punctuation, else a new client or skipped, as `Choices.clients` says), the open
   questions answered (date order, currency, due dates, payment dates), and the result
   as a backup document (docs/data-format.md) with each path's row in `origins`. Pure.
3. `clients.import_previews.tool_preview_create` keeps the Source until the freelancer
   confirms; `tool_preview_confirm` builds the document with their choices and imports it
   through `backup_import` (one transaction, idempotent, a background job when large).
"""
