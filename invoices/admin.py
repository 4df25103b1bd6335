from django.contrib import admin

from invoices.models import DailyRunFailure, Digest, Invoice, LateFee, Payment, Receipt, Reminder


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


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["invoice", "stage", "state", "attempts", "sent_at", "recipient"]
    list_filter = ["stage", "state", "trigger"]
    list_select_related = ["invoice"]
    readonly_fields = ["message_id", "claim_token", "claimed_until"]


@admin.register(DailyRunFailure)
class DailyRunFailureAdmin(admin.ModelAdmin):
    list_display = ["owner", "part", "failed_at"]
    list_select_related = ["owner"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["owner", "for_date", "state", "sent_at"]
    list_filter = ["state"]
    list_select_related = ["owner"]


@admin.register(LateFee)
class LateFeeAdmin(admin.ModelAdmin):
    list_display = ["invoice", "kind", "stage", "amount", "currency", "charged_on", "waived_on"]
    list_filter = ["kind", "stage"]
    list_select_related = ["invoice"]


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ["payment", "state", "attempts", "sent_at", "recipient"]
    list_filter = ["state"]
    list_select_related = ["payment"]
    readonly_fields = ["message_id", "claimed_until"]
