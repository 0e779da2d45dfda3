from oscar.apps.checkout import forms

from address.forms import PakistanAddressMixin


class ShippingAddressForm(PakistanAddressMixin, forms.ShippingAddressForm):
    pass
