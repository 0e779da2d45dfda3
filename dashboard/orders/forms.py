from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from order.services import courier_choices


class DispatchForm(forms.Form):
    courier = forms.ChoiceField(label=_("Courier"), choices=())
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the form is built, so a courier added in settings shows at once.
        self.fields["courier"].choices = [("", _("Choose a courier")), *courier_choices()]


class DeliverForm(forms.Form):
    cash_collected = forms.DecimalField(
        label=_("Cash collected (PKR)"),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": "0"}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput(attrs={"class": "form-control"}))


def form_errors(form: forms.Form) -> str:
    return " ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())
