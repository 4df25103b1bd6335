from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clientwatch import views

urlpatterns = [
    path("", include("clients.urls")),
    path("", include("invoices.urls")),
    path("", include("redflags.urls")),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("settings/", views.profile_settings, name="profile_settings"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += [
        path("dev/mail/", views.dev_mail, name="dev_mail"),
        path("dev/mail/<str:name>", views.dev_mail_message, name="dev_mail_message"),
    ]
