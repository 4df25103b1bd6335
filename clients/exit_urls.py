from django.urls import path

from clients import exit_views

urlpatterns = [
    path("clients/<int:pk>/drop/", exit_views.client_drop_view, name="client_drop"),
    path(
        "clients/<int:client_pk>/reports/<str:kind>/",
        exit_views.report_create,
        name="report_create",
    ),
    path("reports/<int:pk>/", exit_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/download/", exit_views.report_download, name="report_download"),
]
