from django import forms
from django.forms.models import modelformset_factory
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket import formsets
from oscar.apps.basket.formsets import *  # noqa: F403
from oscar.core.loading import get_class, get_model

Line = get_model("basket", "line")
BasketLineForm = get_class("basket.forms", "BasketLineForm")
SavedLineForm = get_class("basket.forms", "SavedLineForm")


class BaseBasketLineFormSet(formsets.BaseBasketLineFormSet):
    def clean(self):
        super().clean()
        # Two forms for one line (a stale page, or a crafted post) would move
        # or delete the same line twice; Oscar then loses the line or fails.
        lines = [form.instance.pk for form in self.forms if form.instance.pk is not None]
        if len(lines) != len(set(lines)):
            raise forms.ValidationError(_("Your basket changed while you were editing it. Please try again."))


BasketLineFormSet = modelformset_factory(
    Line, form=BasketLineForm, formset=BaseBasketLineFormSet, extra=0, can_delete=True
)


class BaseSavedLineFormSet(formsets.BaseSavedLineFormSet):
    def clean(self):
        super().clean()
        # A posted id that names none of the customer's saved lines leaves a form
        # with an empty line, which Oscar would move to the basket or read the
        # product of (a 500), even when the form is marked for deletion.
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(_("Your saved items changed while you were editing them. Please try again."))


SavedLineFormSet = modelformset_factory(
    Line, form=SavedLineForm, formset=BaseSavedLineFormSet, extra=0, can_delete=True
)
