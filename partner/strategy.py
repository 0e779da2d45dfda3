from oscar.apps.partner import strategy
from oscar.apps.partner.availability import Unavailable


class Default(strategy.Default):
    """Oscar's default (first stock record, stock required, prices include taxes),
    except that an unpublished product cannot be bought: not by a direct POST
    to the basket, nor from a basket it sat in when it was withdrawn."""

    def availability_policy(self, product, stockrecord):
        if not product.is_public or (product.parent_id and not product.parent.is_public):
            return Unavailable()
        return super().availability_policy(product, stockrecord)


class Selector(strategy.Selector):
    def strategy(self, request=None, user=None, **kwargs):
        return Default(request)
