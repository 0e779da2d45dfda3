from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import forms

# Oscar's address labels are written for the UK; these are the words a
# Pakistani customer expects.
PAKISTAN_ADDRESS_LABELS = {
    "line1": _("House and street"),
    "line2": _("Area, sector or block"),
    "line4": _("City"),
    "state": _("Province"),
    "postcode": _("Postal code"),
    "phone_number": _("Mobile number"),
}


class ShippingAddressForm(forms.ShippingAddressForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("line3", None)
        for name, label in PAKISTAN_ADDRESS_LABELS.items():
            if name in self.fields:
                self.fields[name].label = label
        self.fields["phone_number"].help_text = _("The courier calls this number before delivery.")
        self.fields["postcode"].widget.attrs.update(inputmode="numeric", autocomplete="postal-code")
        self.fields["phone_number"].widget.attrs.update(type="tel", autocomplete="tel")
