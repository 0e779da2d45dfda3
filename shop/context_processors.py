from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

DASHBOARD_LINK_SECONDS = 300


def dashboard_link(request):
    """Whether the header offers a link to the dashboard.

    Permission checks cost two queries on every page for every signed-in
    customer, to learn that almost all of them have no dashboard. The answer
    is kept in the cache for a few minutes per user; access itself is always
    checked by the dashboard's own views.
    """
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"show_dashboard_link": False}

    def decide() -> bool:
        return cache.get_or_set(
            f"dashboard-link:{user.pk}",
            lambda: bool(
                user.is_staff
                or user.has_perm("partner.dashboard_access")
                or user.has_perm("prescriptions.review_prescription")
            ),
            DASHBOARD_LINK_SECONDS,
        )

    return {"show_dashboard_link": SimpleLazyObject(decide)}


def csp_nonce(request):
    """The nonce for this response's inline script (a context variable, so cached pages can leave a hole for it)."""
    return {"csp_nonce": SimpleLazyObject(lambda: str(getattr(request, "csp_nonce", "")))}
