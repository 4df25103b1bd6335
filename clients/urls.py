from django.urls import path

from clients import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:pk>/delete/", views.client_delete, name="client_delete"),
    path("clients/<int:pk>/timeline/", views.client_timeline_partial, name="client_timeline"),
    path("clients/<int:client_pk>/work/new/", views.work_log_create, name="work_log_create"),
    path("work/<int:pk>/edit/", views.work_log_edit, name="work_log_edit"),
    path("work/<int:pk>/delete/", views.work_log_delete, name="work_log_delete"),
    path(
        "clients/<int:client_pk>/accounts/new/",
        views.account_item_create,
        name="account_item_create",
    ),
    path("managed-accounts/<int:pk>/edit/", views.account_item_edit, name="account_item_edit"),
    path(
        "managed-accounts/<int:pk>/delete/", views.account_item_delete, name="account_item_delete"
    ),
]
