from collections.abc import Callable

from django.contrib import messages
from django.utils.translation import gettext as _
from oscar.apps.dashboard.orders import views

from dashboard.orders.forms import DeliverForm, DispatchForm, ReasonForm, form_errors
from order import selectors, services
from order.services import TransitionRefused


class OrderListView(views.OrderListView):
    def change_order_status(self, request, order):
        # The bulk "change status" action: each order is refused or moved on its own.
        if not request.user.is_staff:
            messages.error(request, _("Only shop staff can move an order along."))
            return
        new_status = request.POST.get("new_status", "").strip()
        try:
            self.get_handler(user=request.user).handle_order_status_change(order, new_status)
        except TransitionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.info(
                request, _("Order %(number)s is now %(status)s.") % {"number": order.number, "status": new_status}
            )


class OrderDetailView(views.OrderDetailView):
    """Oscar's order page, with a button for each step of the pipeline.

    Every button goes through the event handler (``order.processing``), as
    Oscar's own status form does, and so to ``order.services``.
    """

    order_actions = (
        *views.OrderDetailView.order_actions,
        "pack_order",
        "dispatch_order",
        "deliver_order",
        "cancel_order",
        "return_order",
    )
    # Line statuses follow the order's; setting them one by one would skip the
    # stock and prescription records the services keep.
    line_actions = ("create_shipping_event", "create_payment_event")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        order = self.object
        ctx["pipeline"] = {
            "can_pack": order.status in (services.PENDING, services.DISPENSED),
            "needs_dispensing": order.status == services.PENDING and services.order_has_prescription_lines(order),
            "can_dispatch": order.status == services.PACKED,
            "can_deliver": order.status == services.DISPATCHED,
            "can_return": order.status == services.DISPATCHED,
            "can_cancel": selectors.staff_can_cancel(order),
            "dispatch_form": DispatchForm(auto_id="id_dispatch_%s"),
            "deliver_form": DeliverForm(initial={"cash_collected": order.total_incl_tax}, auto_id="id_deliver_%s"),
            "cancel_form": ReasonForm(auto_id="id_cancel_%s"),
            "return_form": ReasonForm(auto_id="id_return_%s"),
        }
        return ctx

    def _step(self, request, run: Callable[[], object], done: str):
        if not request.user.is_staff:
            return self.reload_page(error=_("Only shop staff can move an order along."))
        try:
            run()
        except TransitionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, done)
        return self.reload_page()

    def change_order_status(self, request, order):
        form = self.get_order_status_form()
        if not form.is_valid():
            return self.reload_page(error=_("Choose one of the statuses offered."))
        new_status = form.cleaned_data["new_status"]
        handler = self.get_handler(user=request.user)
        return self._step(
            request,
            lambda: handler.handle_order_status_change(order, new_status),
            _("Order %(number)s is now %(status)s.") % {"number": order.number, "status": new_status},
        )

    def pack_order(self, request, order):
        return self._step(
            request,
            lambda: self.get_handler(user=request.user).handle_order_status_change(order, services.PACKED),
            _("Order %s is packed.") % order.number,
        )

    def dispatch_order(self, request, order):
        form = DispatchForm(request.POST)
        if not form.is_valid():
            return self.reload_page(error=form_errors(form))
        return self._step(
            request,
            lambda: self.get_handler(user=request.user).handle_order_status_change(
                order, services.DISPATCHED, **form.cleaned_data
            ),
            _("Order %s is dispatched.") % order.number,
        )

    def deliver_order(self, request, order):
        form = DeliverForm(request.POST)
        if not form.is_valid():
            return self.reload_page(error=form_errors(form))
        return self._step(
            request,
            lambda: self.get_handler(user=request.user).handle_order_status_change(
                order, services.DELIVERED, **form.cleaned_data
            ),
            _("Order %s is delivered.") % order.number,
        )

    def cancel_order(self, request, order):
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return self.reload_page(error=form_errors(form))
        return self._step(
            request,
            lambda: self.get_handler(user=request.user).handle_order_status_change(
                order, services.CANCELLED, note_msg=form.cleaned_data["reason"]
            ),
            _("Order %s is cancelled; its stock and prescriptions are released.") % order.number,
        )

    def return_order(self, request, order):
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return self.reload_page(error=form_errors(form))
        return self._step(
            request,
            lambda: self.get_handler(user=request.user).handle_order_status_change(
                order, services.RETURNED, note_msg=form.cleaned_data["reason"]
            ),
            _("Order %s is marked returned; its prescriptions cover the packs again.") % order.number,
        )

    def create_shipping_event(self, request, order, lines, quantities):
        try:
            return super().create_shipping_event(request, order, lines, quantities)
        except TransitionRefused as refused:
            return self.reload_page(error=refused.message)
