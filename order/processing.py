"""The shop's order pipeline behind Oscar's one extension point for what happens to an order.

Oscar's dashboard and any script that changes an order's status call
``EventHandler``; it hands every change to ``order.services``, where the
rules and the locking live.
"""

from django.utils.translation import gettext as _
from oscar.apps.order import processing

from order import services


class EventHandler(processing.EventHandler):
    def handle_order_status_change(self, order, new_status, note_msg=None, **details):
        """``details``: courier and tracking_number for Dispatched, cash_collected for Delivered.

        Asking for the status the order already has is refused like any other
        step it cannot make: that is the second click of a double click.
        """
        services.order_change_status(
            order=order, actor=self.user, new_status=new_status, note=note_msg or "", **details
        )

    def handle_shipping_event(self, order, event_type, lines, line_quantities, **kwargs):
        # The pipeline's own events carry a status change and its records
        # (stock, prescriptions, cash): they come only from the services.
        if event_type.code in services.PIPELINE_SHIPPING_EVENTS:
            raise services.TransitionRefused(
                _("'%(event)s' is recorded by its own button on the order page, not as a bare shipping event.")
                % {"event": event_type.name}
            )
        return super().handle_shipping_event(order, event_type, lines, line_quantities, **kwargs)
