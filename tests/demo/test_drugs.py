"""The demo's isotretinoin text covers every fact the reference notes say its page must."""

import pytest

from demo import drugs

# (section, words that must appear in it): one row per fact in
# pharmacy-rules-and-drug-facts.md, "Isotretinoin: what the product page must cover".
ISOTRETINOIN_FACTS = [
    ("how_it_works", ["retinoid", "vitamin A", "oil", "pores", "C. acnes"]),
    ("how_to_use", ["0.5 mg", "0.5 to 1 mg/kg", "with food", "15 to 20 weeks", "120 to 150 mg", "4 to 6 weeks"]),
    ("how_to_use", ["SPF 30", "waxing", "laser", "6 months", "give blood"]),
    ("pregnancy_warning", ["birth defects", "miscarriage", "negative pregnancy test", "two methods", "barrier"]),
    ("pregnancy_warning", ["one month before", "one month after", "stop taking it and contact your doctor"]),
    ("pregnancy_and_breastfeeding", ["breastfeed", "8 days"]),
    ("common_side_effects", ["lips", "Dry skin", "eyes", "nose", "nosebleeds", "joint", "Headache"]),
    ("common_side_effects", ["creatine kinase", "vision at night", "less sharp", "burns easily", "Dry mouth"]),
    ("serious_side_effects", ["depression", "mood", "harming yourself", "seeing or hearing things"]),
    ("serious_side_effects", ["headache with blurred vision", "pressure around the brain", "blisters"]),
    ("serious_side_effects", ["pancreatitis", "triglycerides above 800 mg/dL", "hepatitis", "Liver enzymes"]),
    ("serious_side_effects", ["hearing", "bowel inflammation", "bone or muscle", "eyesight", "Sexual problems"]),
    ("interactions", ["doxycycline", "minocycline", "Vitamin A"]),
    ("who_must_not_take", ["pregnant", "breastfeeding", "liver disease", "fats (lipids)", "vitamin A", "soya"]),
    ("monitoring", ["Liver function", "fasting blood lipids", "one month", "three months", "Pregnancy tests"]),
]


@pytest.mark.parametrize(("section", "words"), ISOTRETINOIN_FACTS)
def test_the_isotretinoin_page_states_each_required_fact(section, words):
    text = drugs.ISOTRETINOIN[section]

    assert [word for word in words if word not in text] == []


@pytest.mark.parametrize("drug", drugs.ALL, ids=lambda drug: drug["name"])
def test_every_medicine_has_every_section_and_a_question(drug):
    sections = ["summary", "how_it_works", "how_to_use", "common_side_effects", "serious_side_effects"]
    sections += ["pregnancy_and_breastfeeding", "who_must_not_take", "interactions", "monitoring", "sources"]

    assert [section for section in sections if not drug[section].strip()] == []
    assert drug["questions"]
