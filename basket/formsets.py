from django import forms
from django.forms.models import modelformset_factory
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket import formsets
from oscar.apps.basket.formsets import *  # noqa: F403  (the saved-lines formset stays Oscar's)
from oscar.core.loading import get_class, get_model

Line = get_model("basket", "line")
BasketLineForm = get_class("basket.forms", "BasketLineForm")


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
