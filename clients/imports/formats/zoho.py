"""Zoho Invoice: the invoice export as CSV, one row per invoice."""

from clients.imports.formats import Row, Tool, invoice


def read(row: Row):
    return invoice(row, TOOL.label)


TOOL = Tool(
    key="zoho",
    label="Zoho Invoice",
    kind="invoices",
    columns={
        "issued": ("Invoice Date",),
        "number": ("Invoice Number",),
        "status": ("Invoice Status",),
        "client": ("Customer Name",),
        "email": ("Email",),
        "due": ("Due Date",),
        "currency": ("Currency Code",),
        "amount": ("Total",),
        "balance": ("Balance",),
        "paid_on": ("Last Payment Date",),
    },
    required=("issued", "number", "status", "client", "amount", "balance"),
    read=read,
)
