from django.urls import path

from invoices.ninja import views

urlpatterns = [
    path("settings/invoice-ninja/", views.ninja_settings, name="ninja_settings"),
    path("settings/invoice-ninja/pull/", views.ninja_pull_now, name="ninja_pull_now"),
]
