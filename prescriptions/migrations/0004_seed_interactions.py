from django.db import migrations

# Clinical rules, not demo data: every shop database gets them.
INTERACTIONS = [
    (
        "oral-retinoid",
        "tetracycline",
        "Isotretinoin must not be taken with a tetracycline antibiotic such as doxycycline: together they can "
        "raise the pressure around the brain (benign intracranial hypertension).",
    ),
    (
        "oral-retinoid",
        "vitamin-a",
        "Isotretinoin must not be taken with vitamin A supplements: the effects add up and can cause vitamin A "
        "poisoning.",
    ),
]


def seed(apps, schema_editor):
    Interaction = apps.get_model("prescriptions", "Interaction")
    for first, second, explanation in INTERACTIONS:
        Interaction.objects.get_or_create(
            first_class=first, second_class=second, defaults={"explanation": explanation}
        )


def unseed(apps, schema_editor):
    Interaction = apps.get_model("prescriptions", "Interaction")
    for first, second, _explanation in INTERACTIONS:
        Interaction.objects.filter(first_class=first, second_class=second).delete()


class Migration(migrations.Migration):
    dependencies = [("prescriptions", "0003_interaction")]

    operations = [migrations.RunPython(seed, unseed)]
