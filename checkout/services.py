"""Payment for checkout: this shop takes cash on delivery only."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")

CASH_ON_DELIVERY = "cash-on-delivery"


def cash_on_delivery_source(*, amount: Decimal, currency: str) -> Source:
    """An unsaved payment source for an order paid in cash at the door.

    Nothing is debited now: the amount is only allocated, and the courier's
    collection is recorded against the order when it is delivered.
    """
    source_type, _created = SourceType.objects.get_or_create(
        code=CASH_ON_DELIVERY, defaults={"name": str(_("Cash on delivery"))}
    )
    return Source(source_type=source_type, currency=currency, amount_allocated=amount)
