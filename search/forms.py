from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.selectors import DEFAULT_SORT


class SearchForm(forms.Form):
    """The search box in the header, and the query on the results page."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search products"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Search products, e.g. sunscreen"),
                "class": "form-control",
                "autocomplete": "off",
            }
        ),
    )

    def cleaned_query(self) -> str:
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


class SortForm(forms.Form):
    SORT_CHOICES = [
        ("newest", _("Newest")),
        ("title", _("Name, A to Z")),
        ("price-asc", _("Price, low to high")),
        ("price-desc", _("Price, high to low")),
    ]
    sort = forms.ChoiceField(
        choices=SORT_CHOICES,
        required=False,
        label=_("Sort by"),
        widget=forms.Select(attrs={"class": "form-select form-control"}),
    )

    def cleaned_sort(self) -> str:
        # An unknown value falls back to the default rather than erroring:
        # sort links get shared, bookmarked and mangled.
        return (self.cleaned_data.get("sort") if self.is_valid() else None) or DEFAULT_SORT
