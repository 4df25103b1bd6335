"""Test data: small factories for every model, realistic by default."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from clients.models import AccountItem, Client, Profile, VerifiedEmail, WorkLog
from invoices.models import Invoice, Payment
from redflags.models import Incident, Step


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"freelancer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def profile(user, create, extracted, **kwargs):
        # Sign-up creates the profile; so do the factories.
        if create:
            Profile.objects.for_user(user)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        # Accounts in tests have proved their address, like every account made before
        # verification existed; tests of verification delete the row.
        if create and user.email and extracted is not False:
            VerifiedEmail.objects.get_or_create(user=user, defaults={"email": user.email})


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    owner = factory.SubFactory(UserFactory)
    ref = factory.Sequence(lambda n: f"client-{n}")
    name = factory.Faker("company")
    email = factory.Faker("company_email")
    currency = "EUR"
    billing_mode = Client.Billing.HOURLY
    rate = Decimal("80.00")
    started_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    client = factory.SubFactory(ClientFactory)
    owner = factory.LazyAttribute(lambda i: i.client.owner)
    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    due_on = factory.LazyAttribute(lambda i: i.issued_on + timedelta(days=14))
    amount = Decimal("1200.00")
    currency = factory.LazyAttribute(lambda i: i.client.currency)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    paid_on = factory.LazyAttribute(lambda p: p.invoice.due_on)
    amount = factory.LazyAttribute(lambda p: p.invoice.amount)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    client = factory.SubFactory(ClientFactory)
    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    category = "unresponsive"
    severity = 3
    description = "No answer to three emails about the homepage copy."


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step

    client = factory.SubFactory(ClientFactory)
    taken_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    kind = "warned"
    addresses = "unresponsive"
    note = "Told them the launch waits on their answers."


class WorkLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkLog

    client = factory.SubFactory(ClientFactory)
    worked_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=2))
    hours = Decimal("2.50")
    description = "Homepage layout revisions"
    billable = True


class AccountItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountItem

    client = factory.SubFactory(ClientFactory)
    name = "Instagram business account"
