"""What every page says about the pharmacy itself: who runs it, how to reach it, what delivery costs."""

from decimal import Decimal

import phonenumbers
from django import template
from django.conf import settings

register = template.Library()


def _national(number: str) -> str:
    try:
        parsed = phonenumbers.parse(str(number), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return str(number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


@register.filter
def national_phone(number) -> str:
    """A phone number as people in Pakistan write it (0300 1234567), not in the +92 form it is stored in."""
    if not number:
        return ""
    return _national(number)


@register.filter
def phone_href(number) -> str:
    """The tel: link of a number: the international form works from any phone."""
    try:
        parsed = phonenumbers.parse(str(number), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@register.simple_tag
def pharmacy_details() -> dict:
    return settings.SHOP_PHARMACY


@register.simple_tag
def delivery_fees() -> dict:
    """The fees shipping/methods.py charges, as amounts the currency filter can format."""
    fees = settings.SHOP_SHIPPING
    return {
        "standard": Decimal(fees["standard_charge"]),
        "express": Decimal(fees["express_charge"]),
        "free_over": Decimal(fees["free_standard_over"]),
    }


@register.simple_tag
def upload_limit() -> str:
    """The largest prescription file, in whole megabytes ("10 MB" rather than filesizeformat's "10.0 MB")."""
    megabytes = Decimal(settings.PRESCRIPTION_MAX_UPLOAD_BYTES) / (1024 * 1024)
    return f"{megabytes.normalize():f}\u00a0MB"
