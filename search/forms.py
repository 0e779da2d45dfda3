from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.selectors import DEFAULT_SORT


class SearchForm(forms.Form):
    """The search box in the header, and the query on the results page."""

    MAX_LENGTH = 200

    q = forms.CharField(
        required=False,
        label=_("Search products"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Search products, e.g. sunscreen"),
                "class": "form-control",
                "autocomplete": "off",
                "maxlength": MAX_LENGTH,
            }
        ),
    )

    def cleaned_query(self) -> str:
        # A pasted paragraph is searched by its start rather than refused:
        # the customer still gets results (see shortened()).
        return self.cleaned_data.get("q", "").strip()[: self.MAX_LENGTH] if self.is_valid() else ""

    def shortened(self) -> bool:
        return self.is_valid() and len(self.cleaned_data.get("q", "").strip()) > self.MAX_LENGTH


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
