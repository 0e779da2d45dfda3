from django import template
from django.utils.translation import gettext as _

from prescriptions import messages
from prescriptions.coverage import Allocation, Shortfall
from prescriptions.interactions import Conflict, HistoryConflict
from prescriptions.models import warning_fingerprint
from prescriptions.selectors import customer, gate, product_page, products, supply

register = template.Library()


@register.simple_tag(takes_context=True)
def product_prescription_status(context, product):
    state = page_state(context, product)
    return product_page.product_prescription_status(user=context["request"].user, product=product, state=state)


@register.simple_tag(takes_context=True)
def basket_prescription_status(context):
    """Per basket line id: an Allocation (covered) or a Shortfall (why not)."""
    request = context["request"]
    return gate.basket_line_status(user=request.user, basket=request.basket)


@register.simple_tag
def prescription_rules(product):
    """The flag, dispensing rules and drug information that govern the product (a variant's from its parent)."""
    return products.product_rules(product=product)


@register.simple_tag
def warning_product(product):
    """The product whose drug information, and so whose pregnancy warning, applies: itself or its parent."""
    return products.drug_holder(product=product) or product


def page_state(context, product) -> product_page.ProductPageState | None:
    """The product's rules and the customer's acknowledgement, read once per request for both page partials."""
    request = context["request"]
    if not request.user.is_authenticated:
        return None
    states = request.__dict__.setdefault("_prescription_page_states", {})
    if product.pk not in states:
        states[product.pk] = product_page.product_page_state(user=request.user, product=product)
    return states[product.pk]


@register.simple_tag(takes_context=True)
def risk_acknowledgement(context, product):
    """The customer's acknowledgement of the product's pregnancy warning, whether it still counts and until when."""
    state = page_state(context, product)
    return product_page.acknowledgement_status(state=state) if state is not None else None


@register.simple_tag
def order_dispenses(order):
    return customer.dispenses_for_order(order=order)


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


@register.filter
def rx_message(answer: Shortfall | Conflict) -> str:
    """The sentence for one of the rule's answers: a line no prescription covers, or medicines that clash."""
    if isinstance(answer, Conflict):
        return messages.conflict_text(answer)
    return messages.shortfall_text(answer)


@register.filter
def conflict_source(conflict: HistoryConflict) -> str:
    """Where the clashing medicine of the customer's history comes from."""
    return messages.conflict_source(conflict)


@register.simple_tag
def order_supply_records(order):
    return supply.supply_records_for_order(order=order)
