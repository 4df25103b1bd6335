"""FreshBooks: the invoice details report as CSV, one row per line item. Rows with the same
invoice number are one invoice; its amount is the sum of their line totals."""

from clients.imports.formats import Row, Tool, invoice


def read(row: Row):
    return invoice(row, TOOL.label)


TOOL = Tool(
    key="freshbooks",
    label="FreshBooks",
    kind="invoices",
    columns={
        "client": ("Client Name",),
        "number": ("Invoice #",),
        "issued": ("Date Issued",),
        "due": ("Due Date",),
        "status": ("Invoice Status",),
        "paid_on": ("Date Paid",),
        "currency": ("Currency",),
        "item": ("Item Name",),
        "amount": ("Line Total",),
    },
    required=("client", "number", "issued", "item", "amount"),
    read=read,
    line_items=True,
)
