from django.contrib import admin

from clients.models import (
    AccountItem,
    AccountSession,
    Client,
    ExchangeRate,
    FormToken,
    ImportJob,
    ImportPreview,
    Profile,
    Report,
    VerifiedEmail,
    Wording,
    WorkLog,
)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "business_name", "currency", "target_hourly_rate"]
    list_select_related = ["user"]


class WorkLogInline(admin.TabularInline):
    model = WorkLog
    extra = 0


class AccountItemInline(admin.TabularInline):
    model = AccountItem
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "ref", "owner", "status", "billing_mode", "currency"]
    list_filter = ["status", "billing_mode"]
    list_select_related = ["owner"]
    search_fields = ["name", "ref", "company", "email"]
    inlines = [AccountItemInline]


@admin.register(WorkLog)
class WorkLogAdmin(admin.ModelAdmin):
    list_display = ["client", "worked_on", "hours", "billable"]
    list_select_related = ["client"]
    date_hierarchy = "worked_on"


@admin.register(AccountItem)
class AccountItemAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "handed_over"]
    list_select_related = ["client"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["owner", "base", "quote", "on", "rate"]
    list_select_related = ["owner"]
    list_filter = ["base", "quote"]
    date_hierarchy = "on"


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["owner", "filename", "state", "done", "total", "created_at"]
    list_filter = ["state"]
    list_select_related = ["owner"]
    exclude = ["payload"]  # can be megabytes of a freelancer's records


@admin.register(ImportPreview)
class ImportPreviewAdmin(admin.ModelAdmin):
    list_display = ["owner", "filename", "created_at", "expires_at", "confirmed_at"]
    list_select_related = ["owner"]
    exclude = ["document", "origins"]  # a whole file of a freelancer's records


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["client", "kind", "state", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["client"]


@admin.register(Wording)
class WordingAdmin(admin.ModelAdmin):
    list_display = ["owner", "kind", "language", "updated_at"]
    list_filter = ["kind", "language"]
    list_select_related = ["owner"]


@admin.register(AccountSession)
class AccountSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "user_agent", "address", "last_seen", "expire_date"]
    list_select_related = ["user"]
    # Deleting a row signs that session out; the key and the data stay out of sight.
    fields = ["user", "user_agent", "address", "created_at", "last_seen", "expire_date"]
    readonly_fields = fields


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "verified_at"]
    list_select_related = ["user"]
    search_fields = ["email", "user__username"]


@admin.register(FormToken)
class FormTokenAdmin(admin.ModelAdmin):
    list_display = ["owner", "created_at", "result"]
    list_select_related = ["owner"]
