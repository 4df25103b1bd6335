from django.contrib import admin

from redflags.models import Incident


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["client", "occurred_on", "category", "severity", "client_was_warned"]
    list_filter = ["category", "severity"]
    list_select_related = ["client"]
