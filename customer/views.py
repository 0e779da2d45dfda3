from oscar.apps.communication.notifications.views import UpdateView


class NotificationUpdateView(UpdateView):
    """Oscar's archive/delete of notifications, refusing ids that are not numbers.

    Oscar filters ``pk__in`` with whatever was posted, and a non-numeric id
    raises ValueError (a 500) instead of "select some notifications".
    """

    def get_selected_ids(self, request):
        name = f"selected_{self.get_checkbox_object_name()}"
        posted = [value for value in request.POST.getlist(name) if value.isdigit()]
        return list(self.get_queryset().filter(pk__in=posted).values_list("pk", flat=True))
