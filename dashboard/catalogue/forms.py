from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.catalogue import forms as oscar_forms
from oscar.core.loading import get_model

DrugInformation = get_model("catalogue", "DrugInformation")
DrugQuestion = get_model("catalogue", "DrugQuestion")

# What only the shop's own staff may change on a product: whether it needs a
# prescription, and the medicine information shown with it.
MEDICINE_FIELDS = ["requires_prescription", "drug_information"]


class ProductForm(oscar_forms.ProductForm):
    class Meta(oscar_forms.ProductForm.Meta):
        fields = [*oscar_forms.ProductForm.Meta.fields, *MEDICINE_FIELDS]


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
        fields = [
            "name",
            "drug_class",
            "summary",
            "pregnancy_risk",
            "pregnancy_warning",
            "how_it_works",
            "how_to_use",
            "common_side_effects",
            "serious_side_effects",
            "pregnancy_and_breastfeeding",
            "who_must_not_take",
            "interactions",
            "monitoring",
            "sources",
            "last_reviewed_on",
            "reviewed_by",
        ]
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

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("pregnancy_risk") == DrugInformation.PregnancyRisk.CONTRAINDICATED
            and not (cleaned.get("pregnancy_warning") or "").strip()
        ):
            self.add_error(
                "pregnancy_warning",
                _("A medicine that must not be used in pregnancy needs the warning text shown at the top of its page."),
            )
        return cleaned


DrugQuestionFormSet = forms.inlineformset_factory(
    DrugInformation,
    DrugQuestion,
    fields=["question", "answer", "position"],
    extra=2,
    can_delete=True,
    widgets={"answer": forms.Textarea(attrs={"rows": 3, "class": "no-widget-init"})},
)
