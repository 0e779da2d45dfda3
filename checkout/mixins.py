from django.db import transaction
from oscar.apps.checkout import mixins


class OrderPlacementMixin(mixins.OrderPlacementMixin):
    def place_order(self, *args, **kwargs):
        # Oscar saves the addresses before OrderCreator opens its transaction
        # and the payment sources after it commits. One transaction around the
        # lot means a refused or failed order leaves no half-written rows.
        with transaction.atomic():
            return super().place_order(*args, **kwargs)
