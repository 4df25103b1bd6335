"""Who may mail clients, and how much: email verification and the daily allowance.

With sign-up open, anyone can make an account; ClientWatch then sends mail to whatever
client addresses it is given, in the freelancer's name. So an account first proves it reads
its own address (a signed link mailed to it), and a verified account mails at most
CLIENT_MAIL_DAILY_LIMIT clients a day: enough for a freelancer's reminders and receipts, too
few for spam. The sending code asks `client_mail_allowance` before each client email.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

VERIFICATION_SALT = "clientwatch.email-verification"


def email_verified(user) -> bool:
    """Has this account proved it reads its current address? With sign-up closed, every
    account was made by the operator, who vouches for it."""
    if not settings.SIGNUP_OPEN:
        return True
    verified = apps.get_model("clients", "VerifiedEmail").objects.filter(user=user).first()
    return verified is not None and verified.email.lower() == user.email.lower()


def client_mail_allowance(owner) -> int:
    """How many more client emails this account may send today (the freelancer's own day):
    0 until its address is verified, then the daily cap less the reminders and receipts
    already sent since local midnight."""
    if not email_verified(owner):
        return 0
    Profile = apps.get_model("clients", "Profile")
    Reminder = apps.get_model("invoices", "Reminder")
    Receipt = apps.get_model("invoices", "Receipt")
    zone_name = Profile.objects.filter(user=owner).values_list("time_zone", flat=True).first()
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    midnight = datetime.combine(timezone.now().astimezone(zone).date(), time.min, tzinfo=zone)
    sent = (
        Reminder.objects.for_owner(owner).filter(sent_at__gte=midnight).count()
        + Receipt.objects.for_owner(owner).filter(sent_at__gte=midnight).count()
    )
    return max(0, settings.CLIENT_MAIL_DAILY_LIMIT - sent)


def mail_held_reason(owner) -> str:
    """Why a client email waits, in the freelancer's words (shown with the reminder or
    receipt, which is sent by a later run once the reason is gone)."""
    if not email_verified(owner):
        return gettext(
            "Waiting until you verify your email address: open the link we mailed you "
            "(or ask for a new one on the Security page of your settings)."
        )
    return gettext("Waiting for tomorrow: today's limit of %(limit)s client emails is reached.") % {
        "limit": settings.CLIENT_MAIL_DAILY_LIMIT
    }


def verification_token(user) -> str:
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=VERIFICATION_SALT)


def email_verification_send(*, request: HttpRequest, user) -> None:
    """Mail the account a link that proves it reads its address (it expires in three days)."""
    if not user.email:
        return
    link = request.build_absolute_uri(reverse("email_verify", args=[verification_token(user)]))
    context = {"user": user, "link": link, "days": settings.EMAIL_VERIFICATION_MAX_AGE // 86400}
    subject = render_to_string(
        "registration/email_verification_subject.txt", context, using="plain_text"
    )
    body = render_to_string("registration/email_verification_body.txt", context, using="plain_text")
    html = render_to_string("registration/email_verification_body.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), body, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


class VerificationRefused(Exception):
    """The link is expired, tampered with, another account's, or for an older address."""


def email_verify(*, user, token: str) -> None:
    try:
        payload = signing.loads(
            token, salt=VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise VerificationRefused("expired") from exc
    except signing.BadSignature as exc:
        raise VerificationRefused("bad") from exc
    if payload.get("user") != user.pk or payload.get("email") != user.email.lower():
        raise VerificationRefused("other")
    VerifiedEmail = apps.get_model("clients", "VerifiedEmail")
    with transaction.atomic():
        verified = VerifiedEmail(user=user, email=user.email, verified_at=timezone.now())
        verified.full_clean(validate_unique=False)
        VerifiedEmail.objects.update_or_create(
            user=user, defaults={"email": verified.email, "verified_at": verified.verified_at}
        )
