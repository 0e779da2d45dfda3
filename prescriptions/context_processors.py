from django.utils.functional import SimpleLazyObject

from prescriptions.roles import can_review_prescriptions
from prescriptions.selectors.review import pending_review_count


def pharmacy(request):
    """How many prescriptions wait for review, for the dashboard menu.

    Lazy: the count is only queried when a template shows it, and only for
    people who review prescriptions.
    """
    if not request.path.startswith("/dashboard/"):
        return {}
    return {
        "pending_prescriptions": SimpleLazyObject(
            lambda: pending_review_count() if can_review_prescriptions(request.user) else 0
        )
    }
