"""Which products need a prescription, and the rules that govern each.

``product_rules`` is the one place a product's prescription flag, dispensing
rules and drug information are resolved (a variant's from its parent when it
has none of its own). ``RULES_RELATED`` names the joins it reads: load
products with it (``rules_related("product__")`` from a related model) and
resolving reads nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from catalogue.models import DrugInformation, Product
from prescriptions.models import DispensingPolicy, DispensingPolicyChange, DrugInformationChange, ProductSwitchChange
from prescriptions.policy import ProductRules, default_policy

# What ``product_rules`` reads, to load with the products (select_related).
RULES_RELATED = ("dispensing_policy", "drug_information", "parent__dispensing_policy", "parent__drug_information")


def rules_related(prefix: str = "") -> tuple[str, ...]:
    """``RULES_RELATED`` from a model that points at the product: ``rules_related("product__")``."""
    return tuple(prefix + join for join in RULES_RELATED)


def _own_policy(product: Product) -> DispensingPolicy | None:
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(product, "dispensing_policy", None)


def _with_parent(product: Product) -> list[Product]:
    # A variant's own values come first, then its parent's.
    return [product, product.parent] if product.parent_id else [product]


def drug_holder(*, product: Product) -> Product | None:
    """The product whose drug information applies to ``product`` (itself or its parent), or None."""
    return next((p for p in _with_parent(product) if p.drug_information_id is not None), None)


def drug_class_of(*, product: Product) -> str:
    """The product's drug class (its parent's for a variant without drug information), or ""."""
    holder = drug_holder(product=product)
    return holder.drug_information.drug_class if holder is not None else ""


def acknowledgement_product_ids(*, product: Product) -> frozenset[int]:
    """Acknowledging the pregnancy warning on any of these products counts for ``product``."""
    return frozenset(p.pk for p in _with_parent(product))


def product_rules(*, product: Product) -> ProductRules:
    """The prescription flag, dispensing rules and drug information that govern ``product``.

    The one place these are resolved: a variant (child) product has each of
    them from its parent when it has none of its own. The gate, the
    interaction check, the upload form, the acknowledgement, the product page
    and the review page all ask here. Reads nothing when the product comes
    with ``RULES_RELATED`` loaded.
    """
    candidates = _with_parent(product)
    policy_holder = next((p for p in candidates if _own_policy(p) is not None), None)
    drugs_from = drug_holder(product=product)
    drug = drugs_from.drug_information if drugs_from is not None else None
    return ProductRules(
        product_id=product.pk,
        requires_prescription=any(p.requires_prescription for p in candidates),
        policy=_own_policy(policy_holder) if policy_holder is not None else default_policy(drug=drug),
        policy_product_id=policy_holder.pk if policy_holder is not None else None,
        drug=drug,
        drug_product_id=drugs_from.pk if drugs_from is not None else None,
        acknowledgement_product_ids=acknowledgement_product_ids(product=product),
    )


def rules_for_products(*, products: Iterable[Product]) -> dict[int, ProductRules]:
    return {product.pk: product_rules(product=product) for product in products}


def products_with_rules(*, product_ids: Iterable[int]) -> QuerySet[Product]:
    """These products, loaded with what ``product_rules`` reads."""
    return Product.objects.filter(pk__in=set(product_ids)).select_related(*RULES_RELATED)


def rules_for_ids(*, product_ids: Iterable[int]) -> dict[int, ProductRules]:
    return rules_for_products(products=products_with_rules(product_ids=product_ids))


def requires_prescription(*, product: Product) -> bool:
    return product_rules(product=product).requires_prescription


def prescription_only_products() -> QuerySet[Product]:
    """Products a customer can buy that need a prescription: what an upload may be for.

    The queryset twin of ``product_rules(...).requires_prescription``: a
    variant counts when it or its parent is prescription-only. Parents
    themselves are left out, because only their variants can be bought.
    """
    return (
        Product.objects.filter(Q(requires_prescription=True) | Q(parent__requires_prescription=True))
        .exclude(structure=Product.PARENT)
        .filter(is_public=True)
        .exclude(parent__is_public=False)
        .select_related("parent")
    )


def products_under_dispensing_rules() -> QuerySet[Product]:
    """Every prescription-only product, parents and variants included, with what ``product_rules`` reads."""
    return (
        Product.objects.filter(Q(requires_prescription=True) | Q(parent__requires_prescription=True))
        .select_related("parent", *RULES_RELATED)
        .order_by(Coalesce(NullIf("title", Value("")), "parent__title"), "pk")
    )


def dispensing_policy_history(*, product: Product) -> list[DispensingPolicyChange]:
    """Every change to the product's own dispensing rules, newest first."""
    return list(DispensingPolicyChange.objects.filter(product=product).select_related("actor"))


def products_for_switches(*, query: str = "") -> QuerySet[Product]:
    """Every product a pharmacist may mark as prescription-only, matching ``query`` (title or UPC).

    Prescription-only ones first; variants are listed with their parent's title.
    """
    products = Product.objects.select_related("parent", "drug_information", "parent__drug_information")
    if query:
        products = products.filter(Q(title__icontains=query) | Q(parent__title__icontains=query) | Q(upc__iexact=query))
    return products.order_by("-requires_prescription", Coalesce(NullIf("title", Value("")), "parent__title"), "pk")


def product_switch_history(*, product: Product) -> list[ProductSwitchChange]:
    """Every change to whether the product needs a prescription and to its drug information, newest first."""
    return list(ProductSwitchChange.objects.filter(product=product).select_related("actor"))


def drug_information_history(*, drug: DrugInformation) -> list[DrugInformationChange]:
    """Every change to a medicine's information, newest first."""
    return list(DrugInformationChange.objects.filter(drug=drug).select_related("actor"))
