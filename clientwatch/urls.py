from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clientwatch import views
from invoices import reminder_views

urlpatterns = [
    path("", include("clients.urls")),
    path("", include("clients.import_urls")),
    path("", include("clients.exit_urls")),
    path("", include("invoices.urls")),
    path("", include("redflags.urls")),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path(
        "invoices/<int:invoice_pk>/reminders/<str:stage>/",
        reminder_views.reminder_preview,
        name="reminder_preview",
    ),
    path(
        "invoices/<int:invoice_pk>/reminders/<str:stage>/send/",
        reminder_views.reminder_send,
        name="reminder_send",
    ),
    path("reminders/<int:pk>/", reminder_views.reminder_detail, name="reminder_detail"),
    path("settings/", views.profile_settings, name="profile_settings"),
    path("settings/rules/", views.rule_settings, name="rule_settings"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += [
        path("dev/mail/", views.dev_mail, name="dev_mail"),
        path("dev/mail/<str:name>/<int:index>/", views.dev_mail_message, name="dev_mail_message"),
    ]
