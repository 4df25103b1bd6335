"""Every row belongs to one freelancer; every read starts from `for_owner`."""

from django.db import models


class OwnedQuerySet(models.QuerySet):
    # The lookup from this model to its owning user, e.g. "client__owner".
    owner_path = "owner"

    def for_owner(self, user):
        return self.filter(**{self.owner_path: user})
