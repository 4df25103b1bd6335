"""Invoice2go: the documents export as CSV. It has no currency column (an account has one
currency): the preview asks for it."""

from clients.imports.formats import Row, Tool, invoice


def read(row: Row):
    return invoice(row, TOOL.label)


TOOL = Tool(
    key="invoice2go",
    label="Invoice2go",
    kind="invoices",
    columns={
        "number": ("Document Number",),
        "client": ("Client",),
        "email": ("Client Email",),
        "issued": ("Date",),
        "due": ("Due Date",),
        "amount": ("Total",),
        "balance": ("Balance Due",),
        "paid_on": ("Paid Date",),
        "status": ("Status",),
    },
    required=("number", "client", "issued", "amount", "balance"),
    read=read,
)
