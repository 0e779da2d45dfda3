from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.apps.dashboard.catalogue import views
from oscar.core.loading import get_model

from dashboard.catalogue.forms import MEDICINE_FIELDS, DrugInformationForm, DrugQuestionFormSet

DrugInformation = get_model("catalogue", "DrugInformation")


class ProductCreateUpdateView(views.ProductCreateUpdateView):
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.request.user.is_staff:
            # Partner users manage their own stock and prices; only the shop's
            # staff decide what needs a prescription.
            for name in MEDICINE_FIELDS:
                form.fields[name].disabled = True
        return form


class DrugInformationListView(generic.ListView):
    template_name = "oscar/dashboard/catalogue/drug_information_list.html"
    context_object_name = "drugs"
    paginate_by = 50

    def get_queryset(self):
        return DrugInformation.objects.prefetch_related("products").order_by("name")


class DrugInformationUpdateView(generic.UpdateView):
    """Edit a medicine's information and its questions together, in one transaction."""

    model = DrugInformation
    form_class = DrugInformationForm
    template_name = "oscar/dashboard/catalogue/drug_information_form.html"

    def get_object(self, queryset=None):
        return super().get_object(queryset) if "pk" in self.kwargs else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("question_formset", DrugQuestionFormSet(instance=self.object))
        ctx["title"] = self.object.name if self.object else _("Add drug information")
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        formset = DrugQuestionFormSet(request.POST, instance=self.object or DrugInformation())
        if not (form.is_valid() and formset.is_valid()):
            messages.error(request, _("Please correct the errors below."))
            return self.render_to_response(self.get_context_data(form=form, question_formset=formset))
        with transaction.atomic():
            self.object = form.save()
            formset.instance = self.object
            formset.save()
        messages.success(request, _("Saved the information for %(name)s.") % {"name": self.object.name})
        return redirect(reverse("dashboard:catalogue-drug-update", kwargs={"pk": self.object.pk}))


class DrugInformationCreateView(DrugInformationUpdateView):
    pass
