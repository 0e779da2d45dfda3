"""Factories for the shop's tests. Tests build their own data; none load the demo."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test import factories as oscar_factories

Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
Category = get_model("catalogue", "Category")
DrugInformation = get_model("catalogue", "DrugInformation")
DrugQuestion = get_model("catalogue", "DrugQuestion")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
DispensingPolicy = get_model("prescriptions", "DispensingPolicy")

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Sana"
    last_name = "Qureshi"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PakistanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("iso_3166_1_a2",)

    iso_3166_1_a2 = "PK"
    iso_3166_1_a3 = "PAK"
    iso_3166_1_numeric = "586"
    printable_name = "Pakistan"
    name = "Islamic Republic of Pakistan"
    is_shipping_country = True


class ProductClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductClass
        django_get_or_create = ("name",)

    name = "Skin care"
    requires_shipping = True
    track_stock = True


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("name",)

    name = "Jild Pharmacy"


class DrugInformationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DrugInformation

    name = factory.Sequence(lambda n: f"Testamycin {n}")
    drug_class = "test-class"
    summary = "A medicine used in tests."
    how_it_works = "It works in a way the test can find: HOW-IT-WORKS."
    how_to_use = "- Take one a day: HOW-TO-USE."
    common_side_effects = "- Dry lips: COMMON-EFFECTS."
    serious_side_effects = "- Low mood: SERIOUS-EFFECTS."
    pregnancy_risk = DrugInformation.PregnancyRisk.NONE_KNOWN
    pregnancy_warning = ""
    pregnancy_and_breastfeeding = "Ask first: PREGNANCY-SECTION."
    who_must_not_take = "- People with liver disease: WHO-MUST-NOT."
    interactions = "- Doxycycline: INTERACTIONS."
    monitoring = "- Liver tests: MONITORING."
    last_reviewed_on = datetime.date(2026, 11, 2)
    reviewed_by = "A. Pharmacist"


class ProductFactory(factory.django.DjangoModelFactory):
    """A public, in-stock product with one PKR stock record."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Gentle cleanser {n}")
    upc = factory.Sequence(lambda n: f"UPC{n:05d}")
    product_class = factory.SubFactory(ProductClassFactory)
    is_public = True
    requires_prescription = False

    @factory.post_generation
    def stockrecord(obj, create, extracted, price=Decimal("1000"), num_in_stock=50, **kwargs):
        if create:
            StockRecord.objects.create(
                product=obj,
                partner=PartnerFactory(),
                partner_sku=f"SKU-{obj.upc}",
                price_currency="PKR",
                price=Decimal(price),
                num_in_stock=num_in_stock,
            )

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        for category in extracted or ():
            obj.categories.add(category)

    @factory.post_generation
    def image(obj, create, extracted, **kwargs):
        """``image=True`` gives the product a picture of its own (for pages that show one)."""
        if create and extracted:
            add_picture(obj)


def add_picture(product, *, colour=(60, 120, 170)):
    """A picture drawn for the product and saved through the model, as the dashboard does."""
    from django.core.files.base import ContentFile

    from demo.images import draw_product_image

    picture = draw_product_image(shape="box", colour=colour, text=product.title, rx=product.requires_prescription)
    image = product.images.model(product=product, caption=product.title, display_order=product.images.count())
    name = "{}-{:02x}{:02x}{:02x}.png".format(product.upc.lower(), *colour)
    image.original.save(name, ContentFile(picture), save=True)
    return image


class RxProductFactory(ProductFactory):
    title = factory.Sequence(lambda n: f"Isotretinoin 20 mg capsules {n}")
    requires_prescription = True
    product_class = factory.SubFactory(ProductClassFactory, name="Medicine")
    drug_information = factory.SubFactory(DrugInformationFactory)


class PregnancyPreventionRulesFactory(factory.django.DjangoModelFactory):
    """Isotretinoin's dispensing rules: a 30-day window (7 days if the patient can
    become pregnant), 30 days' supply without refills, a pregnancy test and the
    customer's acknowledgement of the warning. Pass ``product``."""

    class Meta:
        model = DispensingPolicy

    validity_days = 30
    validity_days_if_can_become_pregnant = 7
    max_supply_days = 30
    refills_allowed = False
    pregnancy_test_required = True
    risk_acknowledgement_required = True


def create_category(path: str) -> Category:
    from oscar.apps.catalogue.categories import create_from_breadcrumbs

    return create_from_breadcrumbs(path, separator=" > ")


def create_address(user, **overrides) -> UserAddress:
    data = {
        "first_name": "Sana",
        "last_name": "Qureshi",
        "line1": "House 14, Street 7",
        "line4": "Islamabad",
        "postcode": "44000",
        "phone_number": "+923001234567",
        "country": PakistanFactory(),
        "is_default_for_shipping": True,
    }
    data.update(overrides)
    return UserAddress.objects.create(user=user, **data)


# Re-exported so tests have one place to import factories from.
create_basket = oscar_factories.create_basket


# --- Prescriptions --------------------------------------------------------------


def pharmacist_user(**kwargs):
    from prescriptions.roles import ensure_pharmacist_group

    user = UserFactory(first_name="Ayesha", last_name="Siddiqui", **kwargs)
    user.groups.add(ensure_pharmacist_group())
    return user


def submit_prescription(user, products, *, issued_on=None, file_bytes=None, **fields):
    """A prescription uploaded through the real service, with a real (tiny) picture."""
    from prescriptions.services.customer import prescription_submit
    from prescriptions.uploads import inspect_upload
    from tests.files import image_bytes, upload

    values = {
        "patient_name": f"{user.first_name} {user.last_name}",
        "prescriber_name": "Dr. Farah Khan",
        "prescriber_registration": "12345-P",
        "issued_on": issued_on or timezone.localdate(),
        "note": "",
    }
    values.update(fields)
    clean = inspect_upload(upload("prescription.jpg", file_bytes or image_bytes("JPEG")))
    return prescription_submit(user=user, clean_file=clean, products=products, **values)


def full_checklist() -> dict:
    """Every item of the pharmacist's checklist ticked."""
    from prescriptions.approval import CHECKLIST, PREGNANCY_CHECKLIST

    return {key: True for key, _label in CHECKLIST + PREGNANCY_CHECKLIST}


def approve(prescription, *, by=None, quantity=1, products=None, valid_until=None, checklist=None, **approval):
    """Approve through the service, as a pharmacist would in the dashboard, every checklist item ticked."""
    from prescriptions.approval import Approval
    from prescriptions.services.decisions import prescription_approve

    products = products if products is not None else list(prescription.products.all())
    approval.setdefault("valid_until", valid_until or prescription.issued_on + datetime.timedelta(days=30))
    # The dashboard's default: the most days' supply the default rules allow.
    approval.setdefault("days_supply", 30)
    return prescription_approve(
        prescription=prescription,
        pharmacist=by or pharmacist_user(),
        approval=Approval(quantities=dict.fromkeys(products, quantity), **approval),
        checklist=full_checklist() if checklist is None else checklist,
    )
