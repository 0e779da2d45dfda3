from django.db import transaction
from oscar.apps.communication.notifications.views import UpdateView
from oscar.apps.customer import views


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
