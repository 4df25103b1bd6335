from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NinjaAccountQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)


class NinjaAccount(models.Model):
    """Where a freelancer's Invoice Ninja lives, and how the last pulls went."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ninja_account"
    )
    url = models.URLField(_("Invoice Ninja address"), max_length=300)
    # The API token as Invoice Ninja issued it: needed in clear to call the API. It is
    # never shown back, only its last four characters.
    token = models.CharField(max_length=200)
    # Per list ("clients", "invoices", "payments"): the newest updated_at seen (Invoice
    # Ninja's clock, Unix seconds); the next pull asks for records updated since.
    cursors = models.JSONField(default=dict, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    failures = models.PositiveIntegerField(default=0)  # in a row, since the last success
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NinjaAccountQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Invoice Ninja at {self.url}"

    @property
    def token_hint(self) -> str:
        return f"…{self.token[-4:]}" if len(self.token) > 8 else "…"

    @property
    def failing(self) -> bool:
        return self.failures > 0
