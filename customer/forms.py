from django import forms as django_forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.customer import forms


class EmailUserCreationForm(forms.EmailUserCreationForm):
    """Registration asks for the customer's name.

    The pharmacist checks that the patient on a prescription matches the
    account, and the courier asks for the customer by name.
    """

    class Meta(forms.EmailUserCreationForm.Meta):
        fields = ("first_name", "last_name", "email")
        labels = {"first_name": _("First name"), "last_name": _("Last name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, autocomplete in (("first_name", "given-name"), ("last_name", "family-name")):
            self.fields[name].required = True
            self.fields[name].widget.attrs["autocomplete"] = autocomplete
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"


class OrderCancelForm(django_forms.Form):
    """Why the customer cancels: the pharmacy reads these to see what goes wrong."""

    REASONS = [
        ("mistake", _("I ordered by mistake")),
        ("changed-mind", _("I no longer need it")),
        ("too-slow", _("Delivery would take too long")),
        ("elsewhere", _("I bought it elsewhere")),
        ("other", _("Another reason")),
    ]

    reason = django_forms.ChoiceField(label=_("Why are you cancelling?"), choices=REASONS)

    def reason_text(self) -> str:
        """The chosen reason in words, as the order's history and the staff see it."""
        return str(dict(self.REASONS)[self.cleaned_data["reason"]])
