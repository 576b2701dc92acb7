"""The local demo account (user ``demo``, password ``demo``) that ``make run`` and ``make demo`` sign you in with.

Created only with DEBUG on: a production deployment never gets a well-known password. An existing account is
left as it is (its password is never reset), so a user who changed it keeps their change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from crmsim.errors import NotAllowed
from simulations.models import User


@transaction.atomic
def ensure_demo_account() -> tuple[User, bool]:
    """The demo account, created (staff and superuser, for the admin) when missing; ``(user, created)``.

    Raises NotAllowed with DEBUG off, where no account with a published password may be made.
    """
    if not settings.DEBUG:
        raise NotAllowed("The demo account is only created with DEBUG on (a local, embedded setup).")
    user, created = User.objects.get_or_create(
        username=settings.CRMSIM_DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password(settings.CRMSIM_DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created
