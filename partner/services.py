"""Stock at order time: lock the basket's stock records and check them again.

The checkout pages check availability too, but before the order's transaction
and without a lock, so two customers buying the last pack both pass there.
This check runs inside the transaction, on locked rows: of two orders for the
last pack, the second waits for the first to allocate it, then sees it gone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.core.loading import get_model

if TYPE_CHECKING:
    from oscar.apps.partner.strategy import Base as Strategy

    from basket.models import Basket

StockRecord = get_model("partner", "StockRecord")


@dataclass(frozen=True)
class Shortage:
    """A product the basket asks for more of than is left to sell."""

    title: str
    wanted: int
    left: int | None  # None: refused for a reason other than the count (withdrawn from sale, say)


class OutOfStock(UnableToPlaceOrder):
    """The order would sell more than is in stock; nothing was written."""

    def __init__(self, shortages: list[Shortage]):
        self.shortages = shortages
        super().__init__(shortage_text(shortages))


def shortage_text(shortages: list[Shortage]) -> str:
    sentences = []
    for shortage in shortages:
        if shortage.left is None:
            sentences.append(_("%(title)s cannot be bought now.") % {"title": shortage.title})
        elif shortage.left <= 0:
            sentences.append(_("%(title)s has just sold out.") % {"title": shortage.title})
        else:
            sentences.append(
                _("Only %(left)d left of %(title)s, and your basket has %(wanted)d.")
                % {"left": shortage.left, "title": shortage.title, "wanted": shortage.wanted}
            )
    sentences.append(_("Your basket is unchanged and no order was placed: please change it and try again."))
    return " ".join(sentences)


def stock_reserve_for_basket(*, basket: Basket, strategy: Strategy) -> None:
    """Lock the stock records the basket draws on and refuse a basket they cannot fill.

    Must run inside the order's transaction: the rows stay locked until it
    commits, after the order has allocated its packs. Records are locked in
    the order of their ids, as Oscar allocates them, so two orders sharing
    products never wait for each other in a circle. Products whose class does
    not track stock take no lock and are never refused here.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("stock_reserve_for_basket must run inside the order's transaction")
    wanted: dict[int, int] = defaultdict(int)
    products = {}
    for line in basket.all_lines():
        if line.stockrecord_id is None or not line.product.get_product_class().track_stock:
            continue
        # Two lines can hold one product (with different options): they share its stock.
        wanted[line.stockrecord_id] += line.quantity
        products[line.stockrecord_id] = line.product
    if not wanted:
        return
    locked = StockRecord.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    shortages = []
    for stockrecord in locked:
        product = products[stockrecord.pk]
        availability = strategy.fetch_for_product(product, stockrecord=stockrecord).availability
        permitted, _reason = availability.is_purchase_permitted(wanted[stockrecord.pk])
        if permitted:
            continue
        # Oscar's StockRequired knows how many are left; a refusal without a count has another reason.
        left = getattr(availability, "num_available", None)
        shortages.append(
            Shortage(
                title=product.get_title(),
                wanted=wanted[stockrecord.pk],
                left=None if left is None else max(left, 0),
            )
        )
    if shortages:
        raise OutOfStock(shortages)
