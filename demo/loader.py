"""Build the demo shop. Every step creates only what is missing.

``load_demo_shop`` returns a report of what it created, so the management
command can say exactly what changed, or that nothing did.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pycountry
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model

from demo import drugs
from demo.images import draw_product_image
from demo.products import CATEGORIES, MEDICINE, PRODUCTS, DemoProduct
from prescriptions.models import DispensingPolicy
from prescriptions.roles import PHARMACIST_GROUP, ensure_pharmacist_group
from shop.db import refresh_planner_statistics

Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
ProductClass = get_model("catalogue", "ProductClass")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
Category = get_model("catalogue", "Category")
DrugInformation = get_model("catalogue", "DrugInformation")
DrugQuestion = get_model("catalogue", "DrugQuestion")
User = get_user_model()

DEMO_PASSWORD = "shop-demo-2026"

ISOTRETINOIN_UPCS = ("RX-ISO-20", "RX-ISO-10")
# MHRA/EMA pregnancy prevention programme and iPLEDGE, as the reference notes give them.
ISOTRETINOIN_POLICY = {
    "validity_days": 30,
    "validity_days_if_can_become_pregnant": 7,
    "max_supply_days": 30,
    "refills_allowed": False,
    "pregnancy_test_required": True,
    "risk_acknowledgement_required": True,
}
# Per strength: packs of 30 capsules, at most 80 mg a day (1 mg/kg/day for an
# 80 kg adult, the top of the usual range), so 30 days' supply is at most 4
# packs of 20 mg or 8 packs of 10 mg.
ISOTRETINOIN_DOSES = {
    "RX-ISO-20": {"units_per_pack": 30, "max_units_per_day": 4},
    "RX-ISO-10": {"units_per_pack": 30, "max_units_per_day": 8},
}
SHOP_NAME = "Jild Pharmacy"

ACCOUNTS = [
    # email, first name, last name, role
    ("customer@example.com", "Sana", "Qureshi", "customer"),
    ("pharmacist@example.com", "Ayesha", "Siddiqui", "pharmacist"),
    ("admin@example.com", "Imran", "Malik", "admin"),
]


@transaction.atomic
def load_demo_shop() -> Counter:
    created: Counter = Counter()
    _country(created)
    partner = _partner(created)
    classes = _product_classes(created)
    categories = _categories(created)
    drug_records = _drug_information(created)
    for spec in PRODUCTS:
        _product(spec, partner, classes, categories, drug_records, created)
    _dispensing_policies(created)
    _accounts(created)
    if created:
        transaction.on_commit(refresh_planner_statistics)
    return +created  # drop the steps that created nothing


def _country(created: Counter) -> Country:
    data = pycountry.countries.get(alpha_2="PK")
    country, was_created = Country.objects.get_or_create(
        iso_3166_1_a2="PK",
        defaults={
            "iso_3166_1_a3": data.alpha_3,
            "iso_3166_1_numeric": data.numeric,
            "printable_name": data.name,
            "name": data.official_name,
            "display_order": 1,
            "is_shipping_country": True,
        },
    )
    created["shipping countries"] += was_created
    if not country.is_shipping_country:
        # Present from an earlier import of every country, but not shipped to.
        country.is_shipping_country = True
        country.save(update_fields=["is_shipping_country"])
        created["shipping countries"] += 1
    return country


def _partner(created: Counter) -> Partner:
    partner, was_created = Partner.objects.get_or_create(code="jild", defaults={"name": SHOP_NAME})
    created["partners"] += was_created
    return partner


def _product_classes(created: Counter) -> dict[str, ProductClass]:
    classes = {}
    for name in (MEDICINE, "Skin care"):
        product_class, was_created = ProductClass.objects.get_or_create(
            name=name, defaults={"requires_shipping": True, "track_stock": True}
        )
        created["product types"] += was_created
        classes[name] = product_class
    return classes


def _categories(created: Counter) -> dict[str, Category]:
    by_path = {}
    for path, description in CATEGORIES:
        before = Category.objects.count()
        category = create_from_breadcrumbs(path, separator=" > ")
        if Category.objects.count() > before:
            category.description = description
            category.save()
            created["categories"] += 1
        by_path[path] = category
    return by_path


def _drug_information(created: Counter) -> dict[str, DrugInformation]:
    records = {}
    for data in drugs.ALL:
        fields = {k: v for k, v in data.items() if k not in ("name", "questions")}
        fields.update(last_reviewed_on=drugs.REVIEWED_ON, reviewed_by=drugs.REVIEWER)
        record, was_created = DrugInformation.objects.get_or_create(name=data["name"], defaults=fields)
        if was_created:
            created["drug information records"] += 1
            DrugQuestion.objects.bulk_create(
                DrugQuestion(drug=record, question=q, answer=a, position=i)
                for i, (q, a) in enumerate(data["questions"])
            )
        records[record.name] = record
    return records


def _product(spec: DemoProduct, partner, classes, categories, drug_records, created: Counter) -> None:
    product = Product.objects.filter(upc=spec.upc).first()
    if product is None:
        product = Product.objects.create(
            upc=spec.upc,
            title=spec.title,
            description=spec.description,
            product_class=classes[spec.product_class],
            requires_prescription=spec.requires_prescription,
            drug_information=drug_records[spec.drug] if spec.drug else None,
        )
        created["products"] += 1
    for path in spec.categories:
        _link, was_created = ProductCategory.objects.get_or_create(product=product, category=categories[path])
        created["product categories"] += was_created
    _stock, was_created = StockRecord.objects.get_or_create(
        product=product,
        partner=partner,
        defaults={
            "partner_sku": spec.upc,
            "price_currency": "PKR",
            "price": Decimal(spec.price),
            "num_in_stock": spec.stock,
        },
    )
    created["stock records"] += was_created
    if not product.images.exists():
        image = ProductImage(product=product, caption=spec.title, display_order=0)
        png = draw_product_image(shape=spec.shape, colour=spec.colour, text=spec.label, rx=spec.requires_prescription)
        image.original.save(f"demo-{spec.upc.lower()}.png", ContentFile(png), save=True)
        created["product images"] += 1


def _dispensing_policies(created: Counter) -> None:
    """Isotretinoin's pregnancy prevention programme, as the demo's dispensing rules."""
    for upc in ISOTRETINOIN_UPCS:
        _policy, was_created = DispensingPolicy.objects.get_or_create(
            product=Product.objects.get(upc=upc), defaults={**ISOTRETINOIN_POLICY, **ISOTRETINOIN_DOSES[upc]}
        )
        created["dispensing policies"] += was_created


def _accounts(created: Counter) -> None:
    pharmacists = ensure_pharmacist_group()
    for email, first_name, last_name, role in ACCOUNTS:
        if User.objects.filter(email__iexact=email).exists():
            continue
        user = User(
            username=email,
            email=email,
            first_name=first_name,
            last_name=last_name,
            is_staff=role == "admin",
            is_superuser=role == "admin",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        created["accounts"] += 1
        if role == "pharmacist":
            user.groups.add(pharmacists)
        if role == "customer":
            _customer_address(user)


def _customer_address(user) -> None:
    UserAddress.objects.create(
        user=user,
        first_name=user.first_name,
        last_name=user.last_name,
        line1="House 14, Street 7",
        line2="F-8/3",
        line4="Islamabad",
        state="Islamabad Capital Territory",
        postcode="44000",
        country=Country.objects.get(iso_3166_1_a2="PK"),
        phone_number="+923001234567",
        is_default_for_shipping=True,
        is_default_for_billing=True,
    )


__all__ = ["DEMO_PASSWORD", "PHARMACIST_GROUP", "load_demo_shop"]
