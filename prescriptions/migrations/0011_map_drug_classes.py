"""Drug classes become a closed list of codes: map what was typed freely onto them.

A code the interaction rules did not know (a typo such as "tetracyclines", or
a generic name) matched no rule, so the check was silently off for that drug.
Known spellings and the generic names of the shop's medicines are mapped to
their code; anything else cannot be placed safely and becomes blank, which is
what it already meant to the interaction check, and the drug information
form then asks for a class from the list.
"""

import re

from django.db import migrations

CODES = {
    "oral-retinoid": ["oral-retinoids", "retinoid-oral", "systemic-retinoid", "isotretinoin", "acitretin"],
    "topical-retinoid": ["topical-retinoids", "retinoid-topical", "tretinoin", "adapalene", "tazarotene"],
    "tetracycline": [
        "tetracyclines",
        "tetracycline-antibiotic",
        "tetracycline-antibiotics",
        "doxycycline",
        "minocycline",
        "lymecycline",
    ],
    "vitamin-a": ["vitamina", "vitamin-a-supplement", "vitamin-a-supplements", "retinyl-palmitate"],
    "topical-antibiotic": ["topical-antibiotics", "clindamycin", "erythromycin"],
    "topical-antiseptic": ["topical-antiseptics", "benzoyl-peroxide", "antiseptic"],
}
SPELLINGS = {spelling: code for code, spellings in CODES.items() for spelling in [code, *spellings]}


def known_code(value: str) -> str:
    spelling = re.sub(r"[\s_]+", "-", (value or "").strip().lower())
    return SPELLINGS.get(spelling, "")


def forwards(apps, schema_editor):
    DrugInformation = apps.get_model("catalogue", "DrugInformation")
    for drug in DrugInformation.objects.exclude(drug_class=""):
        code = known_code(drug.drug_class)
        if code != drug.drug_class:
            DrugInformation.objects.filter(pk=drug.pk).update(drug_class=code)
    Interaction = apps.get_model("prescriptions", "Interaction")
    for rule in Interaction.objects.all():
        first, second = known_code(rule.first_class), known_code(rule.second_class)
        if not (first and second):
            # A rule about a class that does not exist can never match; keeping
            # it would only fail the new choices.
            rule.delete()
        elif (first, second) != (rule.first_class, rule.second_class):
            if Interaction.objects.filter(first_class=first, second_class=second).exists():
                rule.delete()
            else:
                Interaction.objects.filter(pk=rule.pk).update(first_class=first, second_class=second)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0035_drug_class_choices"),
        ("prescriptions", "0010_drug_class_choices"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
