from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oscar.apps.shipping.methods import *  # noqa: F403  (Oscar's methods stay importable from here)
from oscar.apps.shipping.methods import Base
from oscar.core import prices


def _fee(key: str) -> Decimal:
    return Decimal(settings.SHOP_SHIPPING[key])


class Standard(Base):
    """Courier delivery anywhere in Pakistan, free above a basket threshold."""

    code = "standard"
    name = _("Standard delivery")

    @property
    def description(self):
        return _("3 to 5 working days. Free on orders of Rs %(threshold)s or more.") % {
            "threshold": f"{_fee('free_standard_over'):,.0f}"
        }

    def calculate(self, basket):
        charge = Decimal("0.00") if self.is_free_for(basket) else _fee("standard_charge")
        return prices.Price(currency=basket.currency, excl_tax=charge, incl_tax=charge)

    @staticmethod
    def is_free_for(basket) -> bool:
        return basket.total_incl_tax >= _fee("free_standard_over")


class Express(Base):
    code = "express"
    name = _("Express delivery")
    description = _("1 to 2 working days in major cities, 2 to 3 elsewhere.")

    def calculate(self, basket):
        charge = _fee("express_charge")
        return prices.Price(currency=basket.currency, excl_tax=charge, incl_tax=charge)
