from django import template
from django.utils.translation import gettext as _

from prescriptions import selectors
from prescriptions.coverage import Allocation
from prescriptions.models import warning_fingerprint

register = template.Library()


@register.simple_tag(takes_context=True)
def product_prescription_status(context, product):
    state = page_state(context, product)
    return selectors.product_prescription_status(user=context["request"].user, product=product, state=state)


@register.simple_tag(takes_context=True)
def basket_prescription_status(context):
    """Per basket line id: an Allocation (covered) or a Shortfall (why not)."""
    request = context["request"]
    return selectors.basket_line_status(user=request.user, basket=request.basket)


@register.simple_tag
def prescription_rules(product):
    """The flag, dispensing rules and drug information that govern the product (a variant's from its parent)."""
    return selectors.product_rules(product)


@register.simple_tag
def warning_product(product):
    """The product whose drug information, and so whose pregnancy warning, applies: itself or its parent."""
    return selectors.drug_holder(product) or product


def page_state(context, product) -> selectors.ProductPageState | None:
    """The product's rules and the customer's acknowledgement, read once per request for both page partials."""
    request = context["request"]
    if not request.user.is_authenticated:
        return None
    states = request.__dict__.setdefault("_prescription_page_states", {})
    if product.pk not in states:
        states[product.pk] = selectors.product_page_state(user=request.user, product=product)
    return states[product.pk]


@register.simple_tag(takes_context=True)
def risk_acknowledgement(context, product):
    """The customer's acknowledgement of the product's pregnancy warning, whether it still counts and until when."""
    state = page_state(context, product)
    return selectors.acknowledgement_status(state=state) if state is not None else None


@register.simple_tag
def order_dispenses(order):
    return selectors.dispenses_for_order(order=order)


@register.filter(name="warning_fingerprint")
def warning_fingerprint_filter(text):
    """What the acknowledgement form sends back, so the wording the customer read is the one recorded."""
    return warning_fingerprint(text or "")


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def rule_value(value) -> str:
    """A dispensing rule's value as the pharmacist reads it: yes/no, a number, or blank."""
    if value is None or value == "":
        return _("blank")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@register.filter
def is_allocation(value) -> bool:
    return isinstance(value, Allocation)
