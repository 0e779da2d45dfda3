import datetime
import re

from django import forms
from django.conf import settings
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from prescriptions.selectors.products import prescription_only_products
from prescriptions.uploads import ALLOWED_EXTENSIONS, inspect_upload

Product = get_model("catalogue", "Product")

PMDC_NUMBER = re.compile(r"^[0-9]{2,7}(-?[A-Z]{1,2})?$")
OLDEST_ACCEPTED_DAYS = 365


class ProductChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids that are not small whole numbers before asking the database.

    A 30-digit "id" would otherwise overflow SQLite's integers and fail with
    an error page instead of a form error.
    """

    def _check_values(self, value):
        for pk in value:
            if not re.fullmatch(r"[0-9]{1,9}", str(pk)):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)

    def label_from_instance(self, obj):
        # A variant without a title of its own is told apart by its attributes.
        return str(obj) if obj.is_child and not obj.title else obj.get_title()


class PrescriptionUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or scan of the prescription"),
        help_text=_("JPEG, PNG, WebP or PDF, up to %(size)s. Make sure every word is readable.")
        % {"size": filesizeformat(settings.PRESCRIPTION_MAX_UPLOAD_BYTES)},
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ",".join([*ALLOWED_EXTENSIONS, "image/jpeg", "image/png", "image/webp", "application/pdf"])
            }
        ),
    )
    products = ProductChoiceField(
        label=_("Medicines it is for"),
        queryset=Product.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the medicine this prescription is for.")},
    )
    patient_name = forms.CharField(label=_("Patient's name"), max_length=120)
    prescriber_name = forms.CharField(label=_("Doctor's name"), max_length=120)
    prescriber_registration = forms.CharField(
        label=_("Doctor's PMDC registration number"),
        max_length=20,
        help_text=_("Printed on the prescription or the doctor's stamp, for example 12345-P."),
    )
    issued_on = forms.DateField(
        label=_("Date on the prescription"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note for the pharmacist (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = prescription_only_products().order_by(
            Coalesce(NullIf("title", Value("")), "parent__title"), "pk"
        )
        for name, field in self.fields.items():
            if name != "products":
                field.widget.attrs.setdefault("class", "form-control")

    def clean_file(self):
        return inspect_upload(self.cleaned_data["file"])

    def clean_prescriber_registration(self):
        value = re.sub(r"\s+", "", self.cleaned_data["prescriber_registration"]).upper()
        if not PMDC_NUMBER.match(value):
            raise forms.ValidationError(
                _("Enter the PMDC number as printed, for example 12345-P: digits, then the letter.")
            )
        return value

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        today = timezone.localdate()
        if issued_on > today:
            raise forms.ValidationError(_("The date on a prescription cannot be in the future."))
        if issued_on < today - datetime.timedelta(days=OLDEST_ACCEPTED_DAYS):
            raise forms.ValidationError(
                _("This prescription is more than a year old. Please ask your doctor for a new one.")
            )
        return issued_on


class WarningFingerprintField(forms.Field):
    """The SHA-256 of the warning's wording, as the product page writes it: 64 lower-case hex digits."""

    FINGERPRINT = re.compile(r"[0-9a-f]{64}")
    default_error_messages = {
        "invalid": _(
            "We could not tell which wording of the pregnancy warning you read. "
            "Please read it again on this page and tick the box."
        )
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Missing is no different from malformed: neither came from the page.
        self.error_messages["required"] = self.error_messages["invalid"]

    def to_python(self, value):
        if value in self.empty_values:
            return ""
        if not isinstance(value, str) or not self.FINGERPRINT.fullmatch(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class RiskAcknowledgementForm(forms.Form):
    acknowledged = forms.BooleanField(
        label=_("I have read the pregnancy warning and understand the risks."),
        error_messages={"required": _("Tick the box to confirm you have read the warning.")},
    )
    # The fingerprint of the wording the customer had on screen: what they
    # acknowledged, which may differ from the current text if it was edited
    # while they read.
    warning = WarningFingerprintField()

    def first_error(self) -> str:
        """The message to show for an invalid form: the checkbox's before the fingerprint's, as fields are cleaned."""
        return next(iter(self.errors.values()))[0]
