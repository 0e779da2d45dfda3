from django.db.models import Prefetch
from oscar.apps.basket.abstract_models import AbstractBasket
from oscar.core.loading import get_model

from prescriptions.selectors.products import rules_related


class Basket(AbstractBasket):
    def all_lines(self):
        # Oscar loads each line's product class and stock records one query
        # per line (every price shown asks the strategy for them). Loading
        # them with the lines keeps a basket page at the same few queries
        # whatever its size.
        if self.id is None:
            return self.lines.model.objects.none()
        if self._lines is None:
            ProductImage = get_model("catalogue", "ProductImage")
            self._lines = (
                self.lines.select_related(
                    "product__product_class",
                    "product__parent__product_class",
                    # What the prescription rules read (a variant's from its parent).
                    *rules_related("product__"),
                    "stockrecord",
                )
                .prefetch_related(
                    "attributes",
                    Prefetch("product__images", queryset=ProductImage.objects.order_by("display_order", "id")),
                    "product__stockrecords",
                )
                .order_by(self._meta.pk.name)
            )
        return self._lines

    @property
    def num_lines(self):
        # Oscar counts with a separate COUNT query; the lines are loaded anyway.
        return len(self.all_lines())


from oscar.apps.basket.models import *  # noqa: E402
