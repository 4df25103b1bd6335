from django.contrib import admin

from invoices.models import Invoice, Payment


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "client",
        "owner",
        "issued_on",
        "due_on",
        "amount",
        "currency",
        "state",
    ]
    list_filter = ["state", "disputed"]
    list_select_related = ["client", "owner"]
    search_fields = ["number", "client__name"]
    inlines = [PaymentInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["invoice", "paid_on", "amount"]
    list_select_related = ["invoice"]
