from django.urls import path

from clients import wording_views

urlpatterns = [
    # GET ?language=ms shows one language; POST saves or resets one text (kind, language).
    path("settings/wording/", wording_views.wording_page, name="wording"),
]
