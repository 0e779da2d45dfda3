from django.db import migrations

# What customers in Pakistan type, in English and Roman Urdu, and the words
# the shop's products use. Staff edit the list in the dashboard.
SYNONYMS = {
    # English
    "sunblock": "sunscreen, spf",
    "sun block": "sunscreen, spf",
    "suncream": "sunscreen",
    "sun cream": "sunscreen",
    "spf": "sunscreen",
    "facewash": "cleanser, face wash",
    "face wash": "cleanser",
    "cleansing": "cleanser",
    "pimple": "acne, spot",
    "pimples": "acne, spot",
    "zit": "acne, spot",
    "zits": "acne, spot",
    "breakout": "acne",
    "breakouts": "acne",
    "whitening": "brightening, pigmentation",
    "fairness": "brightening, pigmentation",
    "lightening": "brightening, pigmentation",
    "melasma": "pigmentation",
    "hyperpigmentation": "pigmentation",
    "dark spots": "pigmentation",
    "moisturizer": "moisturiser",
    "moisturiser": "moisturizer",
    "moisturizing": "moisturising",
    "moisturising": "moisturizing",
    "lotion": "moisturiser, moisturizer",
    "aging": "ageing",
    "ageing": "aging",
    "wrinkles": "ageing, aging, retinol",
    "color": "colour",
    "itchy": "itch, itching",
    "eczema": "dermatitis, dry skin",
    "antibiotic": "doxycycline, clindamycin",
    # Roman Urdu
    "daane": "acne, pimple",
    "dane": "acne, pimple",
    "danay": "acne, pimple",
    "muhase": "acne",
    "muhasay": "acne",
    "keel": "acne, blackhead",
    "chehra": "face",
    "chehre": "face",
    "chehray": "face",
    "jild": "skin",
    "khushk": "dry",
    "khushki": "dryness, dry",
    "rukhi": "dry",
    "chiknai": "oily",
    "chikni": "oily",
    "dhoop": "sunscreen, sun",
    "jhaiyan": "pigmentation, melasma",
    "chaiyan": "pigmentation, melasma",
    "daagh": "dark spot, pigmentation",
    "daag": "dark spot, pigmentation",
    "nishan": "scar, dark spot",
    "rangat": "brightening, pigmentation",
    "jhurriyan": "wrinkle, ageing",
    "jhuriyan": "wrinkle, ageing",
    "kharish": "itch, itching",
    "khaarish": "itch, itching",
    "sikri": "dandruff",
    "baal": "hair",
    "hont": "lip",
    "honton": "lip",
    "aankh": "eye",
    "aankhon": "eye",
}


def seed(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    for term, means in SYNONYMS.items():
        Synonym.objects.get_or_create(term=term, defaults={"means": means})


def unseed(apps, schema_editor):
    apps.get_model("search", "Synonym").objects.filter(term__in=SYNONYMS).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0003_forgiving_search")]

    operations = [migrations.RunPython(seed, unseed)]
