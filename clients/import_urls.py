from django.urls import path

from clients import import_views

urlpatterns = [
    path("backup/export/", import_views.backup_download, name="backup_export"),
    path("backup/import/", import_views.backup_upload, name="backup_import"),
    path("backup/import/<int:pk>/", import_views.import_job, name="import_job"),
    path("backup/csv/", import_views.csv_upload, name="csv_import"),
    path("backup/csv/confirm/", import_views.csv_import_confirm, name="csv_import_confirm"),
    path("backup/tools/", import_views.tool_upload, name="tool_import"),
    path("backup/tools/<int:pk>/", import_views.tool_preview, name="tool_import_preview"),
]
