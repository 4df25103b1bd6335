"""Invoice Ninja v5: the invoice export as CSV. Its headers are written in the account's
language; these are its English, German, French, Spanish and Dutch ones. Paid is the amount
less the balance; the export has no payment date, so the preview asks for one."""

from clients.imports.formats import Row, Tool, invoice


def read(row: Row):
    return invoice(row, TOOL.label)


TOOL = Tool(
    key="invoiceninja",
    label="Invoice Ninja",
    kind="invoices",
    columns={
        "client": ("Client Name", "Kundenname", "Nom du client", "Nombre del cliente", "Klantnaam"),
        "email": ("Client Email", "Kunden-E-Mail", "Courriel du client", "Correo del cliente"),
        "number": (
            "Invoice Number",
            "Rechnungsnummer",
            "Numéro de facture",
            "Número de factura",
            "Factuurnummer",
        ),
        "issued": (
            "Invoice Date",
            "Rechnungsdatum",
            "Date de facture",
            "Fecha de factura",
            "Factuurdatum",
        ),
        "due": (
            "Due Date",
            "Fälligkeitsdatum",
            "Date d'échéance",
            "Fecha de vencimiento",
            "Vervaldatum",
        ),
        "amount": ("Amount", "Betrag", "Montant", "Importe", "Bedrag"),
        "balance": ("Balance", "Saldo", "Solde", "Saldo pendiente", "Openstaand"),
        "status": ("Status", "Statut", "Estado"),
        "currency": ("Currency", "Währung", "Devise", "Moneda", "Munteenheid"),
    },
    required=("client", "number", "issued", "amount", "balance"),
    read=read,
)
