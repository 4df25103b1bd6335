"""Wave: the invoices export as CSV. It has what was paid but not when: the preview asks."""

from clients.imports.formats import Row, Tool, invoice


def read(row: Row):
    return invoice(row, TOOL.label)


TOOL = Tool(
    key="wave",
    label="Wave",
    kind="invoices",
    columns={
        "number": ("Invoice Number",),
        "client": ("Customer",),
        "issued": ("Invoice Date",),
        "due": ("Due Date",),
        "currency": ("Currency",),
        "amount": ("Total",),
        "paid": ("Amount Paid",),
        "status": ("Status",),
    },
    required=("number", "client", "issued", "amount", "paid"),
    read=read,
)
