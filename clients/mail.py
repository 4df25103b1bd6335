"""Who a client's email comes from: the freelancer, never the product.

Every message to a client (reminders, receipts, anything added later) takes its From and
Reply-To from `client_mail_sender`, so a client only ever sees the freelancer's name.
"""

from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings

from clients.models import Profile


@dataclass(frozen=True, slots=True)
class Sender:
    from_email: str
    reply_to: list[str]


def client_mail_sender(profile: Profile) -> Sender:
    """`"<business name or signature>" <address of DEFAULT_FROM_EMAIL>`, replies to the
    freelancer's reply-to address, else their account email.

    Only the address of DEFAULT_FROM_EMAIL is used: it is the mailbox the server may send
    from (SPF, DKIM), while any display name configured there would name the product."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    reply_to = profile.reply_to_email or profile.user.email
    return Sender(
        from_email=formataddr((profile.letterhead_name, address)),
        reply_to=[reply_to] if reply_to else [],
    )
