from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.apps.dashboard.catalogue import views
from oscar.core.loading import get_model

from dashboard.catalogue.forms import DrugInformationForm, DrugQuestionFormSet, SynonymForm
from prescriptions.models import SWITCH_FIELDS
from prescriptions.roles import can_keep_dispensing_rules
from prescriptions.selectors.products import drug_information_history
from prescriptions.services.switches import drug_information_save, product_switches_save
from search.services import synonym_delete, synonym_save

DrugInformation = get_model("catalogue", "DrugInformation")
Synonym = get_model("search", "Synonym")


class ProductCreateUpdateView(views.ProductCreateUpdateView):
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not can_keep_dispensing_rules(self.request.user):
            # Catalogue staff and partners edit everything else; what needs a
            # prescription, and its drug information, is the pharmacist's.
            for name in SWITCH_FIELDS:
                form.fields[name].disabled = True
                form.fields[name].help_text = _("Only a pharmacist can change this.")
        return form

    def forms_valid(self, form, formsets):
        with transaction.atomic():
            response = super().forms_valid(form, formsets)
            if can_keep_dispensing_rules(self.request.user):
                product_switches_save(product=self.object, pharmacist=self.request.user, **form.switch_values())
        return response


class ProductDeleteView(views.ProductDeleteView):
    def delete(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().delete(request, *args, **kwargs)
        except ProtectedError:
            # Prescriptions, orders and the history of its switches and rules
            # point at it, and they are kept.
            messages.error(
                request,
                _(
                    "%(title)s cannot be deleted: prescriptions or the pharmacy's records refer to it. "
                    'Untick "Is public" to take it off the shop instead.'
                )
                % {"title": self.object.get_title()},
            )
            return redirect(reverse("dashboard:catalogue-product", kwargs={"pk": self.object.pk}))


class DrugInformationListView(generic.ListView):
    template_name = "oscar/dashboard/catalogue/drug_information_list.html"
    context_object_name = "drugs"
    paginate_by = 50

    def get_queryset(self):
        return DrugInformation.objects.prefetch_related("products").order_by("name")


class DrugInformationUpdateView(generic.UpdateView):
    """Edit a medicine's information and its questions together, through the pharmacist's service."""

    model = DrugInformation
    form_class = DrugInformationForm
    template_name = "oscar/dashboard/catalogue/drug_information_form.html"

    def get_object(self, queryset=None):
        return super().get_object(queryset) if "pk" in self.kwargs else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("question_formset", DrugQuestionFormSet(instance=self.object))
        ctx["title"] = self.object.name if self.object else _("Add drug information")
        ctx["history"] = drug_information_history(drug=self.object) if self.object else []
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        formset = DrugQuestionFormSet(request.POST, instance=self.object or DrugInformation())
        if not (form.is_valid() and formset.is_valid()):
            messages.error(request, _("Please correct the errors below."))
            return self.render_to_response(self.get_context_data(form=form, question_formset=formset))
        try:
            self.object = drug_information_save(
                drug=self.object, pharmacist=request.user, values=form.values(), questions=formset.questions()
            )
        except ValidationError as refused:
            form.add_error(None, refused)
            return self.render_to_response(self.get_context_data(form=form, question_formset=formset))
        messages.success(request, _("Saved the information for %(name)s.") % {"name": self.object.name})
        return redirect(reverse("dashboard:catalogue-drug-update", kwargs={"pk": self.object.pk}))


class DrugInformationCreateView(DrugInformationUpdateView):
    pass


class SynonymListView(generic.ListView):
    """The words customers type and what the search looks for instead (search.query)."""

    template_name = "oscar/dashboard/catalogue/synonym_list.html"
    context_object_name = "synonyms"
    paginate_by = 100

    def get_queryset(self):
        return Synonym.objects.order_by("term")


class SynonymUpdateView(generic.FormView):
    template_name = "oscar/dashboard/catalogue/synonym_form.html"
    form_class = SynonymForm

    def dispatch(self, request, *args, **kwargs):
        self.synonym = get_object_or_404(Synonym, pk=kwargs["pk"]) if "pk" in kwargs else None
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        if self.synonym is None:
            return {}
        return {"term": self.synonym.term, "means": self.synonym.means}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["synonym"] = self.synonym
        ctx["title"] = _("Change synonym") if self.synonym else _("Add synonym")
        return ctx

    def form_valid(self, form):
        try:
            saved = synonym_save(synonym=self.synonym, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, _("Searches for “%(term)s” now also look for: %(means)s.") % vars(saved))
        return redirect(reverse("dashboard:catalogue-synonym-list"))


class SynonymDeleteView(generic.View):
    def post(self, request, pk):
        synonym = get_object_or_404(Synonym, pk=pk)
        synonym_delete(synonym=synonym)
        messages.success(request, _("“%(term)s” is searched as typed again.") % {"term": synonym.term})
        return redirect(reverse("dashboard:catalogue-synonym-list"))
