from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.catalogue import forms as oscar_forms
from oscar.core.loading import get_model

from prescriptions.dashboard.forms import switch_fields
from prescriptions.models import DRUG_FIELDS, SWITCH_FIELDS
from prescriptions.services.switches import Question

DrugInformation = get_model("catalogue", "DrugInformation")
DrugQuestion = get_model("catalogue", "DrugQuestion")


class ProductForm(oscar_forms.ProductForm):
    """Oscar's product form, showing the product's prescription switches.

    The switches are the pharmacist's (``services.switches``): they are plain
    form fields this form never writes, and the view passes them on to the
    service only for a user who may keep dispensing rules.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in switch_fields().items():
            field.initial = getattr(self.instance, name)
            self.fields[name] = field

    def switch_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in SWITCH_FIELDS}


class StockRecordForm(oscar_forms.StockRecordForm):
    def clean_price(self):
        # Prices show in whole rupees (settings.OSCAR_CURRENCY_FORMAT): paisa are
        # not in use, and a stored Rs 1,450.50 would show as Rs 1,450 beside a
        # total that counts the fifty paisa.
        price = self.cleaned_data.get("price")
        if price is not None and price != price.to_integral_value():
            raise forms.ValidationError(_("Enter the price in whole rupees, e.g. 1450."))
        return price


class DrugInformationForm(forms.ModelForm):
    class Meta:
        model = DrugInformation
        fields = DRUG_FIELDS
        widgets = {
            "last_reviewed_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }
        help_texts = {
            "how_it_works": _('Blank lines separate paragraphs; start a line with "- " for a bullet.'),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                # Oscar's dashboard turns textareas into rich-text editors unless
                # told not to; drug information is plain text by design.
                field.widget.attrs.update({"class": "no-widget-init", "rows": 6})

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in DRUG_FIELDS}


class BaseDrugQuestionFormSet(forms.BaseInlineFormSet):
    def questions(self) -> list[Question]:
        """The questions as the pharmacist left them: without the deleted and the empty ones."""
        return [
            Question(data["question"], data["answer"], data.get("position") or 0)
            for data in self.cleaned_data
            if data and not data.get("DELETE")
        ]


DrugQuestionFormSet = forms.inlineformset_factory(
    DrugInformation,
    DrugQuestion,
    formset=BaseDrugQuestionFormSet,
    fields=["question", "answer", "position"],
    extra=2,
    can_delete=True,
    widgets={"answer": forms.Textarea(attrs={"rows": 3, "class": "no-widget-init"})},
)


class SynonymForm(forms.Form):
    term = forms.CharField(
        label=_("Customers type"),
        max_length=64,
        help_text=_("One or two words, e.g. “sunblock” or “face wash”."),
    )
    means = forms.CharField(
        label=_("Search also for"),
        max_length=255,
        help_text=_("Words the products use, separated by commas, e.g. “brightening, pigmentation”."),
    )
