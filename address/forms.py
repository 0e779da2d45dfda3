import phonenumbers
from django.utils.translation import gettext_lazy as _
from oscar.apps.address import forms as oscar_forms

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
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class PakistanAddressMixin:
    """A delivery address in Pakistan: local labels, and a Pakistani mobile number.

    The courier calls and texts that number before delivering and collecting
    cash, so a foreign or landline number would strand the parcel.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("line3", None)
        for name, label in PAKISTAN_ADDRESS_LABELS.items():
            if name in self.fields:
                self.fields[name].label = label
        self.fields["phone_number"].help_text = _("The courier calls this number before delivery.")
        self.fields["postcode"].widget.attrs.update(inputmode="numeric", autocomplete="postal-code")
        self.fields["phone_number"].widget.attrs.update(type="tel", autocomplete="tel")

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("phone_number")
        # An invalid number gets the model field's own message; a valid one must be a Pakistani mobile.
        valid = number and not self.has_error("phone_number") and phonenumbers.is_valid_number(number)
        if valid and not self._is_pakistani_mobile(number):
            self.add_error("phone_number", _("Enter a Pakistani mobile number, e.g. 0300 1234567."))
        return cleaned

    @staticmethod
    def _is_pakistani_mobile(number) -> bool:
        return phonenumbers.region_code_for_number(number) == "PK" and phonenumbers.number_type(number) in MOBILE_TYPES


class UserAddressForm(PakistanAddressMixin, oscar_forms.UserAddressForm):
    pass
