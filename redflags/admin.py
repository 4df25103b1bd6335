from django.contrib import admin

from redflags.models import ClientScore, Incident, Step


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["client", "occurred_on", "category", "severity"]
    list_filter = ["category", "severity"]
    list_select_related = ["client"]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["client", "taken_on", "kind", "addresses"]
    list_filter = ["kind", "addresses"]
    list_select_related = ["client"]


@admin.register(ClientScore)
class ClientScoreAdmin(admin.ModelAdmin):
    list_display = ["client", "score", "verdict", "top_reason", "as_of"]
    list_filter = ["verdict", "red_flag"]
    list_select_related = ["client"]
