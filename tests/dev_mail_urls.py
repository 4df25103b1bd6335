"""The project's URLs with the development mail viewer, which clientwatch.urls adds only
when DEBUG is on as it is first imported."""

from django.urls import path

from clientwatch import views
from clientwatch.urls import urlpatterns as project_urls

urlpatterns = [
    *project_urls,
    path("dev/mail/", views.dev_mail, name="dev_mail"),
    path("dev/mail/<str:name>/<int:index>/", views.dev_mail_message, name="dev_mail_message"),
    path("dev/mail/<str:name>/<int:index>/html/", views.dev_mail_html, name="dev_mail_html"),
    path("dev/mail/<str:name>/<int:index>/raw/", views.dev_mail_raw, name="dev_mail_raw"),
    path(
        "dev/mail/<str:name>/<int:index>/part/<int:number>/",
        views.dev_mail_part,
        name="dev_mail_part",
    ),
]
