"""The pharmacist's workspace in Oscar's dashboard: queue, review, decisions, dispensing rules, the switches,
and the supply register."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View, generic
from django.views.decorators.cache import never_cache

from catalogue.models import Product
from prescriptions import previews
from prescriptions.approval import Approval
from prescriptions.dashboard.forms import (
    DecisionForm,
    DispensingPolicyForm,
    MedicineFilterForm,
    ProductSwitchesForm,
    QueueFilterForm,
    RevokeForm,
    SupplyExportForm,
    SupplyForm,
)
from prescriptions.models import DispensingPolicy, Prescription
from prescriptions.selectors import customer as customer_selectors
from prescriptions.selectors import products as product_selectors
from prescriptions.selectors import review as review_selectors
from prescriptions.selectors import supply as supply_selectors
from prescriptions.services import decisions
from prescriptions.services.policies import dispensing_policy_save
from prescriptions.services.supply import SupplyRefused, supply_record_order
from prescriptions.services.switches import product_switches_save
from prescriptions.views import protect_private_file


class QueueView(generic.ListView):
    template_name = "prescriptions/dashboard/queue.html"
    context_object_name = "prescriptions"
    paginate_by = 25

    def get_queryset(self):
        self.filter_form = QueueFilterForm(self.request.GET or None)
        self.status, self.query = self.filter_form.values()
        return review_selectors.review_queue(status=self.status, query=self.query)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(filter_form=self.filter_form, status=self.status, query=self.query)
        return ctx


@method_decorator(never_cache, name="dispatch")
class ReviewView(generic.TemplateView):
    template_name = "prescriptions/dashboard/review.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.prescription = review_selectors.prescription_for_review(public_id=kwargs["public_id"])
        except Prescription.DoesNotExist:
            raise Http404 from None
        self.review = review_selectors.review_context(prescription=self.prescription)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        prescription = self.prescription
        ctx.update(
            prescription=prescription,
            pages=previews.stored_pages(prescription.file)
            if prescription.file_kind == Prescription.FileKind.PDF and prescription.file
            else None,
            review=self.review,
            supply_records=supply_selectors.supply_records_for_prescription(prescription=prescription),
            own_prescription=prescription.user_id == self.request.user.pk,
            decision_form=kwargs.get("decision_form")
            or DecisionForm(prescription=prescription, policies=self.review.policies),
            revoke_form=kwargs.get("revoke_form") or RevokeForm(),
            policy_rows=[
                (
                    product,
                    self.review.policies[product.pk],
                    self.review.acknowledgements.get(product.pk),
                )
                for product in prescription.products.all()
            ],
        )
        return ctx

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "revoke":
            return self.revoke()
        form = DecisionForm(request.POST, prescription=self.prescription, policies=self.review.policies, action=action)
        if action not in (DecisionForm.APPROVE, DecisionForm.REJECT, DecisionForm.RESUBMIT) or not form.is_valid():
            return self.render_to_response(self.get_context_data(decision_form=form))
        try:
            if action == DecisionForm.APPROVE:
                data = form.cleaned_data
                decisions.prescription_approve(
                    prescription=self.prescription,
                    pharmacist=request.user,
                    approval=Approval(
                        quantities=form.quantities(),
                        valid_until=data["valid_until"],
                        days_supply=data["days_supply"],
                        patient_can_become_pregnant=data["patient_can_become_pregnant"],
                        pregnancy_test_on=data["pregnancy_test_on"],
                    ),
                    checklist=form.checklist(),
                )
                done = _("Approved %(ref)s.")
            else:
                refuse = (
                    decisions.prescription_reject
                    if action == DecisionForm.REJECT
                    else decisions.prescription_request_resubmit
                )
                refuse(
                    prescription=self.prescription,
                    pharmacist=request.user,
                    reason=form.reason(),
                    checklist=form.checklist(),
                )
                done = (
                    _("Rejected %(ref)s.")
                    if action == DecisionForm.REJECT
                    else _("Asked for a clearer copy of %(ref)s.")
                )
        except decisions.DecisionNotAllowed as refused:
            for message in refused.messages:
                form.add_error(None, message)
            return self.render_to_response(self.get_context_data(decision_form=form))
        messages.success(request, done % {"ref": self.prescription.reference})
        return HttpResponseRedirect(self.next_url())

    def revoke(self):
        form = RevokeForm(self.request.POST)
        if form.is_valid():
            try:
                decisions.prescription_revoke(
                    prescription=self.prescription, pharmacist=self.request.user, reason=form.cleaned_data["reason"]
                )
            except decisions.DecisionNotAllowed as refused:
                for message in refused.messages:
                    form.add_error(None, message)
            else:
                messages.success(self.request, _("Revoked %(ref)s.") % {"ref": self.prescription.reference})
                return HttpResponseRedirect(reverse("dashboard:pharmacy-review", args=[self.prescription.public_id]))
        return self.render_to_response(self.get_context_data(revoke_form=form))

    def next_url(self) -> str:
        following = review_selectors.next_pending_after(prescription=self.prescription)
        if following is not None:
            return reverse("dashboard:pharmacy-review", args=[following.public_id])
        return reverse("dashboard:pharmacy-queue")


@method_decorator(never_cache, name="dispatch")
class FilePageView(View):
    """A picture of one page of a PDF prescription, for the review page (see ``previews``)."""

    def get(self, request, public_id, number):
        try:
            prescription = customer_selectors.prescription_for_file_access(user=request.user, public_id=public_id)
        except Prescription.DoesNotExist:
            raise Http404 from None
        if prescription.file_kind != Prescription.FileKind.PDF or not prescription.file:
            raise Http404
        picture = previews.open_page(prescription.file, number)
        if picture is None:
            raise Http404
        decisions.prescription_log_file_view(prescription=prescription, viewer=request.user)
        response = FileResponse(
            picture, content_type="image/jpeg", filename=f"prescription-{prescription.reference}-page-{number}.jpg"
        )
        return protect_private_file(response)


class PolicyListView(generic.ListView):
    template_name = "prescriptions/dashboard/policy_list.html"
    context_object_name = "products"

    def get_queryset(self):
        return product_selectors.products_under_dispensing_rules()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rows"] = [(product, product_selectors.product_rules(product=product)) for product in ctx["products"]]
        return ctx


class PolicyUpdateView(generic.UpdateView):
    template_name = "prescriptions/dashboard/policy_form.html"
    form_class = DispensingPolicyForm
    context_object_name = "policy"

    def get_object(self, queryset=None):
        self.product = get_object_or_404(
            product_selectors.products_under_dispensing_rules(), pk=self.kwargs["product_pk"]
        )
        self.rules = product_selectors.product_rules(product=self.product)
        try:
            return self.product.dispensing_policy
        except DispensingPolicy.DoesNotExist:
            # New rules start from those that apply now: the parent's, or the defaults.
            current = self.rules.policy
            return DispensingPolicy(
                product=self.product,
                **{name: getattr(current, name) for name in DispensingPolicyForm.Meta.fields},
            )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            product=self.product,
            rules=self.rules,
            history=product_selectors.dispensing_policy_history(product=self.product),
        )
        return ctx

    def form_valid(self, form):
        try:
            dispensing_policy_save(
                product=self.product,
                pharmacist=self.request.user,
                values={name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except ValidationError as refused:
            form.add_error(None, refused)
            return self.form_invalid(form)
        saved = _("Saved the dispensing rules for %(title)s.") % {"title": self.product.get_title()}
        messages.success(self.request, saved)
        return HttpResponseRedirect(reverse("dashboard:pharmacy-policy-list"))


class MedicineListView(generic.ListView):
    """Every product, to find the one whose prescription switch a pharmacist sets."""

    template_name = "prescriptions/dashboard/medicine_list.html"
    context_object_name = "products"
    paginate_by = 25

    def get_queryset(self):
        self.filter_form = MedicineFilterForm(self.request.GET or None)
        return product_selectors.products_for_switches(query=self.filter_form.query())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["filter_form"] = self.filter_form
        ctx["rows"] = [(product, product_selectors.product_rules(product=product)) for product in ctx["products"]]
        return ctx


class MedicineUpdateView(generic.FormView):
    """Whether one product needs a prescription and which drug information it has, with their history."""

    template_name = "prescriptions/dashboard/medicine_form.html"
    form_class = ProductSwitchesForm

    def dispatch(self, request, *args, **kwargs):
        self.product = get_object_or_404(
            Product.objects.select_related("parent", "drug_information"), pk=kwargs["product_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "product": self.product}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            product=self.product,
            rules=product_selectors.product_rules(product=self.product),
            history=product_selectors.product_switch_history(product=self.product),
        )
        return ctx

    def form_valid(self, form):
        try:
            product_switches_save(
                product=self.product,
                pharmacist=self.request.user,
                requires_prescription=form.cleaned_data["requires_prescription"],
                drug_information=form.cleaned_data["drug_information"],
            )
        except ValidationError as refused:
            form.add_error(None, refused)
            return self.form_invalid(form)
        saved = _("Saved whether %(title)s needs a prescription, and its drug information.")
        messages.success(self.request, saved % {"title": self.product.get_title()})
        return HttpResponseRedirect(reverse("dashboard:pharmacy-medicine-update", args=[self.product.pk]))


class SupplyQueueView(generic.ListView):
    """Orders to dispense: open orders with a prescription line no pharmacist has supplied yet."""

    template_name = "prescriptions/dashboard/supply_queue.html"
    context_object_name = "orders"
    paginate_by = 25

    def get_queryset(self):
        return supply_selectors.orders_to_dispense()


@method_decorator(never_cache, name="dispatch")
class SupplyOrderView(generic.TemplateView):
    """The pharmacist's final check of one order: batch and expiry for each prescription line."""

    template_name = "prescriptions/dashboard/supply_order.html"

    def dispatch(self, request, *args, **kwargs):
        self.order = supply_selectors.order_for_supply(number=kwargs["number"])
        if self.order is None:
            raise Http404
        self.lines = supply_selectors.rx_lines_for_supply(order=self.order)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        records = supply_selectors.supply_records_for_order(order=self.order)
        ctx.update(
            order=self.order,
            lines=self.lines,
            records=records,
            form=kwargs.get("form") or (None if records or not self.lines else SupplyForm(lines=self.lines)),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        form = SupplyForm(request.POST, lines=self.lines)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            supply_record_order(order=self.order, pharmacist=request.user, entries=form.entries())
        except SupplyRefused as refused:
            form.add_refusal(refused)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request, _("Supply of order %(number)s recorded: it can now be packed.") % {"number": self.order.number}
        )
        return HttpResponseRedirect(reverse("dashboard:pharmacy-supply-order", args=[self.order.number]))


class _Echo:
    """A file-like object whose write hands the line back, so csv.writer feeds a streaming response."""

    def write(self, value):
        return value


EXPORT_COLUMNS = (
    (_("Date of supply"), lambda r: timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M")),
    (_("Order"), lambda r: r.order_number),
    (_("Medicine"), lambda r: r.medicine_name),
    (_("Quantity"), lambda r: r.quantity),
    (_("Batch number"), lambda r: r.batch_number),
    (_("Expiry date"), lambda r: r.expiry_date.isoformat()),
    (_("Prescription"), lambda r: r.prescription_reference),
    (_("Prescriber"), lambda r: r.prescriber_name),
    (_("PMDC number"), lambda r: r.prescriber_registration),
    (_("Date of prescription"), lambda r: r.prescription_issued_on.isoformat()),
    (_("Patient"), lambda r: r.patient_name),
    (_("Patient's address"), lambda r: r.patient_address),
    (_("Pharmacist"), lambda r: r.pharmacist_name),
)


def _cell(value) -> str:
    # A spreadsheet runs a cell that starts with one of these as a formula;
    # names and addresses come from customers.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@method_decorator(never_cache, name="dispatch")
class SupplyExportView(generic.TemplateView):
    """The supply register as CSV for an inspector, by date range and medicine."""

    template_name = "prescriptions/dashboard/supply_export.html"

    def get(self, request, *args, **kwargs):
        form = SupplyExportForm(request.GET or None, products=supply_selectors.supplied_products())
        if "download" not in request.GET:
            return self.render_to_response(self.get_context_data(form=form))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        records = supply_selectors.supply_register(
            date_from=data["date_from"], date_to=data["date_to"], product=data["product"]
        )
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow([str(label) for label, _value in EXPORT_COLUMNS])
            for record in records.iterator(chunk_size=500):
                yield writer.writerow([_cell(value(record)) for _label, value in EXPORT_COLUMNS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="supply-register-{timezone.localdate():%Y%m%d}.csv"'
        return response
