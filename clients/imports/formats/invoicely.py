"""Invoicely: the invoices export as CSV."""

from clients.imports.formats import Row, Tool, invoice


def read(row: Row):
    return invoice(row, TOOL.label)


TOOL = Tool(
    key="invoicely",
    label="Invoicely",
    kind="invoices",
    columns={
        "number": ("Invoice ID",),
        "client": ("Client",),
        "issued": ("Issue Date",),
        "due": ("Due Date",),
        "amount": ("Amount",),
        "paid": ("Amount Paid",),
        "currency": ("Currency",),
        "status": ("Status",),
    },
    required=("number", "client", "issued", "amount", "paid"),
    read=read,
)
