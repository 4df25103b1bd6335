from django.conf import settings
from django.http import HttpRequest


def development(request: HttpRequest) -> dict[str, bool]:
    return {"debug_mail_link": settings.DEBUG and "filebased" in settings.EMAIL_BACKEND}
