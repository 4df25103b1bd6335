from django.urls import path

from clients import rate_views

urlpatterns = [
    path("settings/rates/add/", rate_views.exchange_rate_add, name="exchange_rate_add"),
    path(
        "settings/rates/<int:pk>/delete/",
        rate_views.exchange_rate_delete,
        name="exchange_rate_delete",
    ),
    path(
        "settings/rates/delete-pair/",
        rate_views.exchange_rate_pair_delete,
        name="exchange_rate_pair_delete",
    ),
    path("settings/rates/import/", rate_views.exchange_rates_import, name="exchange_rates_import"),
]
