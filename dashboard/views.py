from django.shortcuts import redirect
from oscar.apps.dashboard import views


class IndexView(views.IndexView):
    def get(self, request, *args, **kwargs):
        user = request.user
        if not user.is_staff and not user.has_perm("partner.dashboard_access"):
            # A pharmacist's dashboard is their review queue.
            return redirect("dashboard:pharmacy-queue")
        return super().get(request, *args, **kwargs)
