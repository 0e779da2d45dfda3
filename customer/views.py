from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from oscar.apps.communication.notifications.views import UpdateView
from oscar.apps.customer import views

from customer.forms import OrderCancelForm
from order.selectors import customer_can_cancel, order_timeline
from order.services import TransitionRefused, order_cancel


class NotificationUpdateView(UpdateView):
    """Oscar's archive/delete of notifications, refusing ids that are not numbers.

    Oscar filters ``pk__in`` with whatever was posted, and a non-numeric id
    raises ValueError (a 500) instead of "select some notifications".
    """

    def get_selected_ids(self, request):
        name = f"selected_{self.get_checkbox_object_name()}"
        posted = [value for value in request.POST.getlist(name) if value.isdigit()]
        return list(self.get_queryset().filter(pk__in=posted).values_list("pk", flat=True))


# The account emails are queued (customer/utils.py), so each view below writes
# and queues in one transaction: the account or password and its email commit
# together, and a mail server that is down or hanging cannot touch the request.


class AtomicRegistrationMixin:
    def register_user(self, form):
        with transaction.atomic():
            return super().register_user(form)


class AccountRegistrationView(AtomicRegistrationMixin, views.AccountRegistrationView):
    pass


class AccountAuthView(AtomicRegistrationMixin, views.AccountAuthView):
    pass


class ChangePasswordView(views.ChangePasswordView):
    @transaction.atomic
    def form_valid(self, form):
        return super().form_valid(form)


class ProfileUpdateView(views.ProfileUpdateView):
    @transaction.atomic
    def form_valid(self, form):
        return super().form_valid(form)


class OrderDetailView(views.OrderDetailView):
    """The customer's order: what happened to it so far, and a cancel button while it is still ours to stop."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timeline"] = order_timeline(self.object)
        context["can_cancel"] = customer_can_cancel(self.object)
        context.setdefault("cancel_form", OrderCancelForm())
        return context

    def do_cancel(self, order):
        form = OrderCancelForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, _("Choose why you are cancelling the order."))
        else:
            try:
                order_cancel(order=order, actor=self.request.user, reason=form.reason_text(), by_customer=True)
            except TransitionRefused as refused:
                messages.error(self.request, str(refused))
            else:
                messages.success(self.request, _("Order %(number)s is cancelled.") % {"number": order.number})
        self.response = redirect("customer:order", order_number=order.number)
