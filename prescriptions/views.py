"""The customer's side: upload, My prescriptions, and the private file view."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View, generic
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_ratelimit.core import is_ratelimited
from oscar.core.loading import get_model

from prescriptions.forms import PrescriptionUploadForm, RiskAcknowledgementForm
from prescriptions.models import Prescription, warning_fingerprint
from prescriptions.selectors import customer as customer_selectors
from prescriptions.selectors import products as product_selectors
from prescriptions.services import customer as customer_services
from prescriptions.services import decisions
from prescriptions.uploadhandlers import SizeLimitedUploadHandler

Product = get_model("catalogue", "Product")
# Plain ASCII digits only ("²".isdigit() is true), and few enough to be an id.
PRODUCT_ID = re.compile(r"[0-9]{1,9}")


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


class AccountPageMixin(LoginRequiredMixin):
    """Pages in the customer's account area (the sidebar marks the active tab)."""

    active_tab = "prescriptions"
    page_title = _("My prescriptions")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("active_tab", self.active_tab)
        ctx.setdefault("page_title", self.page_title)
        return ctx


class PrescriptionListView(AccountPageMixin, generic.ListView):
    template_name = "prescriptions/prescription_list.html"
    context_object_name = "prescriptions"
    paginate_by = 20

    def get_queryset(self):
        return customer_selectors.prescriptions_for_owner(user=self.request.user)


@method_decorator(never_cache, name="dispatch")
class PrescriptionDetailView(AccountPageMixin, generic.DetailView):
    template_name = "prescriptions/prescription_detail.html"
    context_object_name = "prescription"

    def get_object(self, queryset=None):
        try:
            return customer_selectors.prescription_for_owner(user=self.request.user, public_id=self.kwargs["public_id"])
        except Prescription.DoesNotExist:
            raise Http404 from None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["page_title"] = _("Prescription %(ref)s") % {"ref": self.object.reference}
        return ctx


# The upload handler must be swapped before anything reads the request body,
# and CSRF checking reads it; so CSRF is checked here, after the swap.
@method_decorator(csrf_exempt, name="dispatch")
class PrescriptionUploadView(AccountPageMixin, generic.FormView):
    template_name = "prescriptions/prescription_upload.html"
    form_class = PrescriptionUploadForm
    page_title = _("Upload a prescription")
    rate = "10/h"

    def dispatch(self, request, *args, **kwargs):
        request.upload_handlers = [SizeLimitedUploadHandler(request, limit=settings.PRESCRIPTION_MAX_UPLOAD_BYTES)]
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        product_id = self.request.GET.get("product", "")
        if PRODUCT_ID.fullmatch(product_id):
            initial["products"] = product_selectors.prescription_only_products().filter(pk=product_id)
        user = self.request.user
        initial["patient_name"] = user.get_full_name()
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["next"] = safe_next(self.request, "")
        return ctx

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        limited = is_ratelimited(
            request, group="prescription-upload", key="user", rate=self.rate, method="POST", increment=True
        )
        if limited:
            form.is_valid()  # so the other fields keep their values
            form.add_error(
                None,
                _(
                    "You have uploaded several prescriptions in the last hour. For your security, "
                    "please wait an hour before uploading another, or contact us."
                ),
            )
            return self.form_invalid(form)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            prescription = customer_services.prescription_submit(
                user=self.request.user,
                clean_file=data["file"],
                patient_name=data["patient_name"],
                prescriber_name=data["prescriber_name"],
                prescriber_registration=data["prescriber_registration"],
                issued_on=data["issued_on"],
                products=data["products"],
                note=data["note"],
            )
        except customer_services.PrescriptionNotStored:
            form.add_error(
                None,
                _(
                    "We could not save your prescription just now; nothing was kept. Please try again in a "
                    "few minutes, or contact us if it keeps happening."
                ),
            )
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Thank you. We received prescription %(ref)s. Our pharmacist will check it, usually "
                "within an hour during opening times, and we will email you."
            )
            % {"ref": prescription.reference},
        )
        detail = reverse("prescriptions:detail", kwargs={"public_id": prescription.public_id})
        return HttpResponseRedirect(safe_next(self.request, detail))


def protect_private_file(response):
    """Headers for a response holding a prescription file or a picture of one.

    They stop a browser from running anything in it, even if a hostile file
    got past the checks at upload, and from keeping or passing it on.
    """
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    return response


@method_decorator(never_cache, name="dispatch")
class PrescriptionFileView(LoginRequiredMixin, View):
    """The uploaded file, for its owner and for pharmacists only."""

    def get(self, request, public_id):
        try:
            prescription = customer_selectors.prescription_for_file_access(user=request.user, public_id=public_id)
        except Prescription.DoesNotExist:
            raise Http404 from None
        decisions.prescription_log_file_view(prescription=prescription, viewer=request.user)
        extension = prescription.file.name.rsplit(".", 1)[-1]
        inline = prescription.file_kind == Prescription.FileKind.IMAGE and not request.GET.get("download")
        response = FileResponse(
            prescription.file.open("rb"),
            content_type=prescription.content_type,
            as_attachment=not inline,
            filename=f"prescription-{prescription.reference}.{extension}",
        )
        return protect_private_file(response)


class RiskAcknowledgeView(LoginRequiredMixin, View):
    """The checkbox beside a medicine's pregnancy warning."""

    def post(self, request, product_pk):
        product = get_object_or_404(Product.objects.select_related(*product_selectors.RULES_RELATED), pk=product_pk)
        rules = product_selectors.product_rules(product=product)
        drug = rules.drug
        if not rules.requires_prescription or drug is None or not drug.pregnancy_warning:
            raise Http404
        form = RiskAcknowledgementForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.first_error())
        elif form.cleaned_data["warning"] != warning_fingerprint(drug.pregnancy_warning):
            messages.error(request, _("The pregnancy warning was updated while you read it. Please read it again."))
        else:
            customer_services.risk_acknowledge(user=request.user, product=product, warning_text=drug.pregnancy_warning)
            messages.success(request, _("Thank you. We have recorded that you read the pregnancy warning."))
        return HttpResponseRedirect(safe_next(request, product.get_absolute_url()))
