import datetime

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Product
from prescriptions.approval import checklist_for, pregnancy_rules_apply
from prescriptions.models import POLICY_FIELDS, SWITCH_FIELDS, DispensingPolicy, Prescription
from prescriptions.selectors.review import QUEUE_FILTERS
from prescriptions.services.supply import BATCH

QUEUE_LABELS = {
    "pending": _("Waiting for review"),
    "all": _("All"),
    "approved": _("Approved"),
    "expired": _("Expired"),
    "resubmit": _("Clearer copy requested"),
    "rejected": _("Rejected"),
    "revoked": _("Revoked"),
}


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Show"), choices=[(s, QUEUE_LABELS[s]) for s in QUEUE_FILTERS], required=False)
    q = forms.CharField(label=_("Customer email, patient name or reference"), required=False, max_length=100)

    def values(self) -> tuple[str, str]:
        if not self.is_valid():
            return "pending", ""
        return self.cleaned_data["status"] or "pending", self.cleaned_data["q"]


COMMON_REASONS = [
    ("", _("Choose a reason, or write one below")),
    ("unsigned", _("The prescription is not signed by the doctor.")),
    ("registration", _("The doctor's PMDC registration number is missing or could not be verified.")),
    ("too_old", _("The prescription is older than the time allowed for this medicine.")),
    ("patient", _("The patient's name does not match your account or the details you gave.")),
    ("details", _("The medicine, strength or quantity is missing or unclear.")),
    ("interaction", _("This medicine cannot be supplied together with another medicine on your order or record.")),
    ("unreadable", _("Part of the prescription cannot be read. Please upload a clearer photo or scan of all of it.")),
]
REASON_TEXT = {code: text for code, text in COMMON_REASONS if code}


class DecisionForm(forms.Form):
    """Checklist, then approve (with what it covers) or refuse (with a reason)."""

    APPROVE, REJECT, RESUBMIT = "approve", "reject", "resubmit"

    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    days_supply = forms.IntegerField(label=_("Days' supply approved"), required=False, min_value=1, max_value=365)
    patient_can_become_pregnant = forms.TypedChoiceField(
        label=_("Can the patient become pregnant?"),
        choices=[("", _("Not recorded")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
    )
    pregnancy_test_on = forms.DateField(
        label=_("Date of the negative pregnancy test"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    reason_choice = forms.ChoiceField(label=_("Reason"), choices=COMMON_REASONS, required=False)
    reason_text = forms.CharField(
        label=_("Reason in your own words (the customer sees it)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, prescription: Prescription, policies: dict[int, DispensingPolicy], action=None, **kwargs):
        # ``policies``: the rules that apply to every product on the prescription
        # (selectors.ReviewContext.policies), a variant's from its parent.
        super().__init__(*args, **kwargs)
        self.prescription = prescription
        self.action = action
        self.products = list(prescription.products.all())
        product_policies = [policies[p.pk] for p in self.products]
        self.pregnancy_rules = pregnancy_rules_apply(product_policies)
        for name, label in checklist_for(policies=product_policies):
            self.fields[f"check_{name}"] = forms.BooleanField(label=label, required=False)
        for product in self.products:
            self.fields[f"quantity_{product.pk}"] = forms.IntegerField(
                label=_("Packs of %(title)s") % {"title": product.get_title()},
                min_value=0,
                max_value=50,
                initial=1,
                required=False,
            )
        # Default: the longest the rules allow, counted from the date of issue,
        # using the stricter window until the pharmacist records otherwise.
        windows = [policies[p.pk].validity_window_days(can_become_pregnant=None) for p in self.products]
        default_until = prescription.issued_on + datetime.timedelta(days=min(windows or [30]))
        self.fields["valid_until"].initial = max(default_until, timezone.localdate())
        supply_caps = [policies[p.pk].max_supply_days for p in self.products]
        self.fields["days_supply"].initial = min([c for c in supply_caps if c] or [30])
        for field in self.fields.values():
            # no-widget-init: plain controls, not Oscar's select2/date pickers,
            # which do not fit a phone screen.
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control no-widget-init"
            field.widget.attrs.setdefault("class", css)

    @property
    def checklist_fields(self):
        return [self[name] for name in self.fields if name.startswith("check_")]

    @property
    def quantity_fields(self):
        return [self[f"quantity_{p.pk}"] for p in self.products]

    def checklist(self) -> dict[str, bool]:
        return {
            name[len("check_") :]: bool(self.cleaned_data.get(name))
            for name in self.fields
            if name.startswith("check_")
        }

    def quantities(self) -> dict:
        return {p: self.cleaned_data.get(f"quantity_{p.pk}") or 0 for p in self.products}

    def reason(self) -> str:
        written = (self.cleaned_data.get("reason_text") or "").strip()
        chosen = REASON_TEXT.get(self.cleaned_data.get("reason_choice") or "", "")
        return " ".join(part for part in (str(chosen), written) if part)

    def clean(self):
        cleaned = super().clean()
        # That every checklist item is ticked is the service's rule
        # (services.decisions.prescription_approve); its refusal shows as a form error.
        if self.action == self.APPROVE:
            if not cleaned.get("valid_until"):
                self.add_error("valid_until", _("Enter the date the approval is valid until."))
        elif self.action in (self.REJECT, self.RESUBMIT) and not self.reason():
            raise forms.ValidationError(_("Choose or write a reason; the customer will see it."))
        return cleaned


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the approval withdrawn? (the customer sees it)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class DispensingPolicyForm(forms.ModelForm):
    class Meta:
        model = DispensingPolicy
        fields = list(POLICY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                # A zero would read as "no restriction", like a blank.
                field.min_value = 1
                field.validators.append(MinValueValidator(1))
                field.widget.attrs["min"] = 1
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control")


def switch_fields() -> dict[str, forms.Field]:
    """The form fields of a product's prescription switches, labelled as the model labels them.

    Plain form fields, not model-form fields: a form holding them never writes
    them, the view hands them to ``services.switches.product_switches_save``.
    """
    return {name: Product._meta.get_field(name).formfield() for name in SWITCH_FIELDS}


class ProductSwitchesForm(forms.Form):
    def __init__(self, *args, product, **kwargs):
        kwargs["initial"] = {name: getattr(product, name) for name in SWITCH_FIELDS}
        super().__init__(*args, **kwargs)
        self.fields.update(switch_fields())


class MedicineFilterForm(forms.Form):
    q = forms.CharField(label=_("Product name or UPC"), required=False, max_length=100)

    def query(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class SupplyForm(forms.Form):
    """Batch number and expiry date for each prescription line of one order."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[self.batch_name(line)] = forms.CharField(
                label=_("Batch number"),
                max_length=40,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
            self.fields[self.expiry_name(line)] = forms.DateField(
                label=_("Expiry date"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                error_messages={"invalid": _("Enter the expiry date as a date, for example 2027-06-30.")},
            )

    @staticmethod
    def batch_name(line) -> str:
        return f"batch_{line.pk}"

    @staticmethod
    def expiry_name(line) -> str:
        return f"expiry_{line.pk}"

    def rows(self):
        """(line, batch field, expiry field) for the template."""
        return [(line, self[self.batch_name(line)], self[self.expiry_name(line)]) for line in self.lines]

    def entries(self) -> dict:
        data = self.cleaned_data
        return {line.pk: (data[self.batch_name(line)], data[self.expiry_name(line)]) for line in self.lines}

    def add_refusal(self, refused) -> None:
        for message in refused.general:
            self.add_error(None, message)
        for line in self.lines:
            for field, message in refused.fields.get(line.pk, {}).items():
                self.add_error(self.batch_name(line) if field == BATCH else self.expiry_name(line), message)


class SupplyExportForm(forms.Form):
    date_from = forms.DateField(
        label=_("Supplied from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, for example 2026-12-01.")},
    )
    date_to = forms.DateField(
        label=_("Supplied until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, for example 2026-12-31.")},
    )
    product = forms.ModelChoiceField(
        label=_("Medicine"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=_("All medicines"),
        error_messages={"invalid_choice": _("Choose a medicine from the list.")},
    )

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data
