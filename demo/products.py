"""The demo catalogue: categories and products, with PKR prices and stock.

Prices are illustrative retail prices in rupees, taxes included. Descriptions
are the shop's own.
"""

from dataclasses import dataclass

CATEGORIES = [
    ("Acne", "Treatments that clear spots and keep pores unblocked."),
    ("Acne > Spot treatments", "Targeted gels and patches for single spots."),
    ("Cleansers", "Gentle washes and micellar waters for every skin type."),
    ("Moisturisers", "Creams and gels that repair and protect the skin barrier."),
    ("Moisturisers > Lip care", "Balms for dry, cracked lips."),
    ("Sunscreens", "Broad-spectrum daily protection, SPF 30 and higher."),
    ("Serums", "Concentrated treatments for marks, dullness and dehydration."),
    ("Supplements", "Vitamins and minerals for skin health."),
    (
        "Prescription medicines",
        "Medicines we supply only after our pharmacist has checked your prescription.",
    ),
]

MEDICINE = "Medicine"
SKIN_CARE = "Skin care"


@dataclass(frozen=True)
class DemoProduct:
    upc: str
    title: str
    categories: tuple[str, ...]
    price: int
    stock: int
    description: str
    product_class: str = SKIN_CARE
    requires_prescription: bool = False
    drug: str | None = None
    # How the picture is drawn: the pack's shape and its main colour.
    shape: str = "bottle"
    colour: tuple[int, int, int] = (80, 140, 170)
    label: str = ""


PRODUCTS = [
    # --- Prescription medicines -------------------------------------------------
    DemoProduct(
        upc="RX-ISO-20",
        title="Isotretinoin 20 mg capsules, 30",
        categories=("Prescription medicines", "Acne"),
        price=3150,
        stock=40,
        product_class=MEDICINE,
        requires_prescription=True,
        drug="Isotretinoin (oral)",
        shape="box",
        colour=(176, 58, 72),
        label="Isotretinoin 20 mg",
        description=(
            "<p>Oral isotretinoin for severe acne, 30 soft capsules of 20 mg. Supplied "
            "only against a prescription from a PMDC-registered doctor, checked by our "
            "pharmacist before dispatch.</p>"
        ),
    ),
    DemoProduct(
        upc="RX-ISO-10",
        title="Isotretinoin 10 mg capsules, 30",
        categories=("Prescription medicines", "Acne"),
        price=1890,
        stock=35,
        product_class=MEDICINE,
        requires_prescription=True,
        drug="Isotretinoin (oral)",
        shape="box",
        colour=(196, 96, 96),
        label="Isotretinoin 10 mg",
        description=(
            "<p>Oral isotretinoin, 30 soft capsules of 10 mg, often used for lower daily "
            "doses or to fine-tune a dose with the 20 mg strength. Prescription only.</p>"
        ),
    ),
    DemoProduct(
        upc="RX-TRE-005",
        title="Tretinoin 0.05% cream, 20 g",
        categories=("Prescription medicines", "Acne"),
        price=650,
        stock=60,
        product_class=MEDICINE,
        requires_prescription=True,
        drug="Tretinoin (topical)",
        shape="tube",
        colour=(214, 140, 60),
        label="Tretinoin 0.05%",
        description=(
            "<p>A retinoid cream for comedonal and inflammatory acne, used once a day "
            "in the evening. Prescription only.</p>"
        ),
    ),
    DemoProduct(
        upc="RX-CLI-1",
        title="Clindamycin 1% topical gel, 30 g",
        categories=("Prescription medicines", "Acne"),
        price=480,
        stock=55,
        product_class=MEDICINE,
        requires_prescription=True,
        drug="Clindamycin (topical)",
        shape="tube",
        colour=(60, 120, 190),
        label="Clindamycin 1%",
        description=(
            "<p>An antibiotic gel for inflamed acne spots, best used together with "
            "benzoyl peroxide. Prescription only.</p>"
        ),
    ),
    DemoProduct(
        upc="RX-DOX-100",
        title="Doxycycline 100 mg capsules, 20",
        categories=("Prescription medicines",),
        price=420,
        stock=80,
        product_class=MEDICINE,
        requires_prescription=True,
        drug="Doxycycline",
        shape="box",
        colour=(90, 90, 150),
        label="Doxycycline 100 mg",
        description=(
            "<p>A tetracycline antibiotic taken by mouth for moderate to severe acne and "
            "rosacea. Prescription only. Never taken together with isotretinoin.</p>"
        ),
    ),
    # --- Acne (pharmacy medicines and actives) ------------------------------------
    DemoProduct(
        upc="OTC-ADA-01",
        title="Adapalene 0.1% gel, 15 g",
        categories=("Acne",),
        price=890,
        stock=70,
        product_class=MEDICINE,
        drug="Adapalene (topical)",
        shape="tube",
        colour=(120, 80, 160),
        label="Adapalene 0.1%",
        description=(
            "<p>A retinoid-like gel that clears blackheads and whiteheads and prevents "
            "new spots. Applied once a day in the evening.</p>"
        ),
    ),
    DemoProduct(
        upc="OTC-BPO-5",
        title="Benzoyl peroxide 5% gel, 30 g",
        categories=("Acne", "Acne > Spot treatments"),
        price=750,
        stock=90,
        product_class=MEDICINE,
        drug="Benzoyl peroxide (topical)",
        shape="tube",
        colour=(40, 150, 130),
        label="Benzoyl peroxide 5%",
        description=(
            "<p>An antiseptic gel that kills acne bacteria and unblocks pores. It "
            "bleaches fabrics, so use white towels.</p>"
        ),
    ),
    DemoProduct(
        upc="OTC-BPO-WASH",
        title="Benzoyl peroxide 4% foaming wash, 150 ml",
        categories=("Acne", "Cleansers"),
        price=1450,
        stock=45,
        product_class=MEDICINE,
        drug="Benzoyl peroxide (topical)",
        shape="pump",
        colour=(30, 120, 110),
        label="BPO 4% wash",
        description=(
            "<p>A foaming face and body wash for acne on the chest and back. Leave on for a minute before rinsing.</p>"
        ),
    ),
    DemoProduct(
        upc="SC-AZE-10",
        title="Azelaic acid 10% cream, 30 g",
        categories=("Acne", "Serums"),
        price=1650,
        stock=30,
        shape="tube",
        colour=(200, 120, 150),
        label="Azelaic acid 10%",
        description=(
            "<p>Calms redness and fades the dark marks spots leave behind. Gentle "
            "enough for daily use, and safe to use in pregnancy.</p>"
        ),
    ),
    DemoProduct(
        upc="SC-SAL-SPOT",
        title="Salicylic acid 2% spot gel, 15 ml",
        categories=("Acne > Spot treatments",),
        price=980,
        stock=50,
        shape="tube",
        colour=(230, 100, 80),
        label="Salicylic 2%",
        description="<p>A clear gel that dries out single spots overnight.</p>",
    ),
    DemoProduct(
        upc="SC-PATCH-36",
        title="Hydrocolloid acne patches, 36",
        categories=("Acne > Spot treatments",),
        price=850,
        stock=120,
        shape="pouch",
        colour=(250, 190, 80),
        label="Acne patches",
        description=("<p>Thin patches that draw fluid out of a spot and stop you picking it. Three sizes.</p>"),
    ),
    # --- Cleansers ----------------------------------------------------------------
    DemoProduct(
        upc="SC-CLN-HYD",
        title="Gentle hydrating cleanser, 236 ml",
        categories=("Cleansers",),
        price=2450,
        stock=65,
        shape="pump",
        colour=(70, 150, 210),
        label="Hydrating cleanser",
        description=(
            "<p>A creamy, non-foaming wash with ceramides for dry and sensitive skin, "
            "including skin dried out by acne treatment.</p>"
        ),
    ),
    DemoProduct(
        upc="SC-CLN-SAL",
        title="Salicylic acid 2% foaming cleanser, 200 ml",
        categories=("Cleansers", "Acne"),
        price=1850,
        stock=48,
        shape="pump",
        colour=(230, 130, 60),
        label="BHA cleanser",
        description="<p>A daily foaming wash that clears oil from pores and smooths skin.</p>",
    ),
    DemoProduct(
        upc="SC-MIC-400",
        title="Micellar cleansing water, 400 ml",
        categories=("Cleansers",),
        price=1950,
        stock=75,
        shape="bottle",
        colour=(230, 110, 160),
        label="Micellar water",
        description="<p>Lifts sunscreen and make-up without rubbing or rinsing.</p>",
    ),
    DemoProduct(
        upc="SC-CLN-OIL",
        title="Oil-control gel cleanser, 150 ml",
        categories=("Cleansers",),
        price=1350,
        stock=58,
        shape="tube",
        colour=(60, 170, 120),
        label="Gel cleanser",
        description="<p>A zinc gel wash for oily and combination skin.</p>",
    ),
    # --- Moisturisers -------------------------------------------------------------
    DemoProduct(
        upc="SC-MOI-CER",
        title="Ceramide moisturising cream, 340 g",
        categories=("Moisturisers",),
        price=3950,
        stock=40,
        shape="jar",
        colour=(60, 110, 180),
        label="Ceramide cream",
        description=(
            "<p>A rich, fragrance-free cream with three ceramides and hyaluronic acid "
            "for very dry skin, face and body.</p>"
        ),
    ),
    DemoProduct(
        upc="SC-MOI-GEL",
        title="Oil-free gel moisturiser, 50 ml",
        categories=("Moisturisers",),
        price=2250,
        stock=52,
        shape="jar",
        colour=(90, 190, 200),
        label="Gel moisturiser",
        description="<p>A light water gel that hydrates oily, acne-prone skin without shine.</p>",
    ),
    DemoProduct(
        upc="SC-LIP-REP",
        title="Repairing lip balm, 15 ml",
        categories=("Moisturisers > Lip care",),
        price=690,
        stock=150,
        shape="stick",
        colour=(210, 90, 110),
        label="Lip repair",
        description=(
            "<p>A thick balm for very dry, cracked lips, for example during isotretinoin treatment. Reapply often.</p>"
        ),
    ),
    DemoProduct(
        upc="SC-OINT-50",
        title="Barrier repair ointment, 50 g",
        categories=("Moisturisers",),
        price=1250,
        stock=44,
        shape="tube",
        colour=(150, 150, 160),
        label="Barrier ointment",
        description="<p>A petrolatum ointment for rough, cracked patches of skin.</p>",
    ),
    # --- Sunscreens ---------------------------------------------------------------
    DemoProduct(
        upc="SC-SUN-MIN50",
        title="Mineral sunscreen SPF 50, 50 ml",
        categories=("Sunscreens",),
        price=2650,
        stock=60,
        shape="tube",
        colour=(240, 170, 40),
        label="Mineral SPF 50",
        description=("<p>Zinc oxide sunscreen with broad-spectrum UVA and UVB protection, for sensitive skin.</p>"),
    ),
    DemoProduct(
        upc="SC-SUN-FLU50",
        title="Invisible fluid sunscreen SPF 50+, 50 ml",
        categories=("Sunscreens",),
        price=2890,
        stock=70,
        shape="bottle",
        colour=(250, 140, 30),
        label="Fluid SPF 50+",
        description="<p>A weightless, non-greasy fluid that leaves no white cast.</p>",
    ),
    DemoProduct(
        upc="SC-SUN-TIN30",
        title="Tinted sunscreen SPF 30, 40 ml",
        categories=("Sunscreens",),
        price=2350,
        stock=0,
        shape="tube",
        colour=(190, 130, 90),
        label="Tinted SPF 30",
        description="<p>Sheer tint that evens skin tone, with SPF 30 protection.</p>",
    ),
    DemoProduct(
        upc="SC-LIP-SPF30",
        title="Lip balm SPF 30, 4 g",
        categories=("Sunscreens", "Moisturisers > Lip care"),
        price=590,
        stock=110,
        shape="stick",
        colour=(230, 150, 60),
        label="Lip SPF 30",
        description="<p>Protects lips from sun and wind; unscented.</p>",
    ),
    # --- Serums -------------------------------------------------------------------
    DemoProduct(
        upc="SC-SER-NIA10",
        title="Niacinamide 10% + zinc 1% serum, 30 ml",
        categories=("Serums",),
        price=1750,
        stock=85,
        shape="dropper",
        colour=(110, 110, 200),
        label="Niacinamide 10%",
        description="<p>Helps oily skin look less shiny and pores look smaller.</p>",
    ),
    DemoProduct(
        upc="SC-SER-HA2",
        title="Hyaluronic acid 2% + B5 serum, 30 ml",
        categories=("Serums",),
        price=1650,
        stock=90,
        shape="dropper",
        colour=(80, 160, 230),
        label="Hyaluronic 2%",
        description="<p>Draws water into the skin; use under moisturiser.</p>",
    ),
    DemoProduct(
        upc="SC-SER-VC15",
        title="Vitamin C 15% serum, 30 ml",
        categories=("Serums",),
        price=2950,
        stock=25,
        shape="dropper",
        colour=(240, 140, 50),
        label="Vitamin C 15%",
        description="<p>An antioxidant serum that brightens dull skin; use in the morning.</p>",
    ),
    DemoProduct(
        upc="SC-SER-ARB2",
        title="Alpha arbutin 2% serum, 30 ml",
        categories=("Serums",),
        price=1550,
        stock=64,
        shape="dropper",
        colour=(200, 100, 180),
        label="Alpha arbutin 2%",
        description="<p>Fades dark spots and marks left by acne.</p>",
    ),
    # --- Supplements --------------------------------------------------------------
    DemoProduct(
        upc="SUP-VITA-10K",
        title="Vitamin A 10,000 IU softgels, 30",
        categories=("Supplements",),
        price=750,
        stock=40,
        product_class=MEDICINE,
        drug="Vitamin A (retinyl palmitate) supplement",
        shape="jar",
        colour=(230, 170, 30),
        label="Vitamin A",
        description=("<p>A vitamin A supplement. Not to be taken with isotretinoin or in pregnancy.</p>"),
    ),
    DemoProduct(
        upc="SUP-ZINC-50",
        title="Zinc 50 mg tablets, 60",
        categories=("Supplements",),
        price=650,
        stock=100,
        shape="jar",
        colour=(120, 130, 140),
        label="Zinc 50 mg",
        description="<p>A zinc supplement for people whose diet falls short.</p>",
    ),
]
