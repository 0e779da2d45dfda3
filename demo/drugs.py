"""Drug information for the demo catalogue's medicines.

Written for this shop from the facts in the project's reference notes (NHS,
MHRA, UK SmPC, US label, MSD Manual). Sections use the shop's plain-text
format: blank lines between paragraphs, "- " for bullet points.
"""

import datetime

REVIEWED_ON = datetime.date(2026, 11, 2)
REVIEWER = "Ayesha Siddiqui, B.Pharm (PCP reg. 11482)"

ISOTRETINOIN = {
    "name": "Isotretinoin (oral)",
    "drug_class": "oral-retinoid",
    "pregnancy_risk": "contraindicated",
    "summary": (
        "A capsule taken by mouth for severe acne (nodular or cystic acne, or acne that "
        "is scarring) that has not cleared with antibiotics and creams. It is only "
        "supplied against a prescription, and it must never be taken during pregnancy."
    ),
    "pregnancy_warning": (
        "Isotretinoin causes severe birth defects. Any dose, even for a short time, can "
        "seriously harm an unborn baby and can cause miscarriage.\n\n"
        "- Do not take it if you are pregnant, trying to get pregnant, or breastfeeding.\n"
        "- If you could become pregnant, you need a negative pregnancy test before you "
        "start, every month while you take it, and after you stop.\n"
        "- Use effective contraception (ideally two methods, one of them a barrier such "
        "as condoms) from one month before starting until one month after the last "
        "capsule.\n"
        "- If you think you might be pregnant, stop taking it and contact your doctor "
        "straight away."
    ),
    "how_it_works": (
        "Isotretinoin is a retinoid, a medicine made from vitamin A. It works on the "
        "causes of acne at once:\n\n"
        "- it shrinks the oil (sebaceous) glands in the skin and cuts the amount of "
        "oil they make;\n"
        "- it stops dead skin cells blocking the pores, so fewer blackheads and "
        "whiteheads form;\n"
        "- it calms the redness and swelling of spots;\n"
        "- with less oil in the pores, the acne bacteria (C. acnes) have less to feed "
        "on.\n\n"
        "It is used when severe acne has not improved with other treatment. Many people "
        "stay clear, or much clearer, for a long time after one course."
    ),
    "how_to_use": (
        "Take it exactly as your dermatologist prescribes. The dose depends on your "
        "weight: treatment usually starts at 0.5 mg for each kilogram of body weight a "
        "day, and the usual range is 0.5 to 1 mg/kg a day.\n\n"
        "- Swallow the capsules whole with food, once or twice a day.\n"
        "- A course usually lasts about 15 to 20 weeks (4 to 6 months), until you have "
        "taken a total of about 120 to 150 mg for each kilogram of body weight. Most "
        "people see their skin improve after 4 to 6 weeks; acne can look worse for the "
        "first few weeks.\n"
        "- Finish the course your doctor plans, even once your skin looks clear.\n"
        "- Keep lips and skin moisturised, and use an SPF 30 or higher sunscreen every "
        "day. Avoid strong sun and sunbeds.\n"
        "- Do not have waxing, dermabrasion or laser treatment while taking it and for "
        "6 months after you stop.\n"
        "- Do not give blood while taking it and for 1 month after, and never share "
        "your capsules with anyone."
    ),
    "common_side_effects": (
        "Most people get some of these. They usually ease when the dose is lowered or "
        "the course ends.\n\n"
        "- Dry, cracked lips (use a lip balm often)\n"
        "- Dry skin, eyes and nose; nosebleeds\n"
        "- Skin that is more fragile and burns easily in the sun\n"
        "- Back, joint or muscle pain\n"
        "- Headache\n"
        "- Dry mouth\n"
        "- Worse vision at night, and sight that is less sharp than usual\n"
        "- Raised muscle enzyme (creatine kinase) in blood tests"
    ),
    "serious_side_effects": (
        "Stop taking isotretinoin and get medical help straight away if you have any of "
        "these:\n\n"
        "- Low mood, depression, anxiety, mood swings, thoughts of harming yourself or "
        "ending your life, or seeing or hearing things that are not there\n"
        "- A bad headache with blurred vision, feeling or being sick (signs of raised "
        "pressure around the brain)\n"
        "- A rash with blisters, peeling skin or sores in the mouth or eyes\n"
        "- Severe pain in the stomach or back, with or without vomiting (pancreatitis)\n"
        "- Yellow skin or eyes, or dark urine (hepatitis). Liver enzymes rise in about "
        "1 in 7 people, which is why your liver is checked in blood tests\n"
        "- Very high blood fats: triglycerides above 800 mg/dL can inflame the pancreas, "
        "so your doctor checks them and may stop treatment\n"
        "- Severe diarrhoea, bleeding from the bottom, or stomach cramps (bowel "
        "inflammation)\n"
        "- Changes in your hearing or eyesight\n"
        "- Muscle weakness, or bone or muscle pain that does not go away\n"
        "- Sexual problems, such as erection difficulties or loss of sex drive"
    ),
    "pregnancy_and_breastfeeding": (
        "Isotretinoin must not be taken in pregnancy: it carries an extremely high risk "
        "of serious birth defects and of miscarriage, even after a short time or a low "
        "dose.\n\n"
        "If you can become pregnant, you can only be prescribed it with a pregnancy "
        "prevention plan: a negative pregnancy test before starting, every month during "
        "treatment and after it ends, and effective contraception from one month "
        "before, throughout, and for one month after treatment.\n\n"
        "Do not breastfeed while taking it. The US label advises waiting at least 8 days "
        "after the last dose."
    ),
    "who_must_not_take": (
        "Do not take isotretinoin if you:\n\n"
        "- are pregnant, could be pregnant, or are breastfeeding;\n"
        "- have liver disease;\n"
        "- have very high levels of fats (lipids) in your blood;\n"
        "- have too much vitamin A in your body, or take vitamin A supplements;\n"
        "- are taking a tetracycline antibiotic;\n"
        "- are allergic to isotretinoin, or to soya or peanut (some capsules contain "
        "soya oil)."
    ),
    "interactions": (
        "- Tetracycline antibiotics (doxycycline, minocycline, tetracycline): never "
        "together with isotretinoin. Both can raise the pressure around the brain.\n"
        "- Vitamin A supplements: the effects add up and can cause vitamin A "
        "poisoning.\n"
        "- Tell your doctor and pharmacist about every other medicine, vitamin and "
        "herbal product you take.\n\n"
        "This shop will not place an order that holds isotretinoin together with a "
        "tetracycline or a vitamin A product."
    ),
    "monitoring": (
        "- Liver function and fasting blood lipids (cholesterol and triglycerides): "
        "before you start, after about one month, then about every three months.\n"
        "- Pregnancy tests, if you could become pregnant: before, every month during, "
        "and after treatment.\n"
        "- Your doctor will also ask about your mood at each visit."
    ),
    "sources": (
        "NHS: Isotretinoin capsules. MHRA Drug Safety Update (2023): isotretinoin "
        "pregnancy prevention programme and new safety measures. Isotretinoin UK Summary "
        "of Product Characteristics. US prescribing information (boxed warning). MSD "
        "Manual: Acne vulgaris."
    ),
    "questions": [
        (
            "Why do I need a prescription?",
            "Isotretinoin needs a dermatologist to decide the dose, arrange blood tests "
            "and, for anyone who could become pregnant, manage a pregnancy prevention "
            "plan. Pakistani law (the Drugs Act 1976 and DRAP rules) allows it to be "
            "sold only against a prescription from a PMDC-registered doctor. Our "
            "pharmacist checks every prescription before we send it.",
        ),
        (
            "How long until I see results?",
            "Most people notice their skin improving after 4 to 6 weeks. A full course "
            "usually takes 4 to 6 months, and the skin often keeps improving for a while "
            "after the last capsule.",
        ),
        (
            "Can I drink alcohol while taking it?",
            "Isotretinoin can affect the liver and raise blood fats, and alcohol adds to "
            "both. Ask your doctor, and keep to your blood tests.",
        ),
        (
            "Will it treat my acne scars?",
            "It clears active acne and prevents new spots, which stops new scars "
            "forming, but it does not remove existing scars. Scar treatments such as "
            "laser must wait until 6 months after you finish.",
        ),
        (
            "I missed a dose. What should I do?",
            "Skip the missed dose and take the next one at the usual time. Never take two doses together to make up.",
        ),
        (
            "Which sunscreen and moisturiser should I use?",
            "A broad-spectrum sunscreen of SPF 30 or higher every day, a fragrance-free "
            "moisturiser, and a lip balm used often. Our ceramide cream, SPF 50 "
            "sunscreens and repairing lip balm suit skin on isotretinoin.",
        ),
    ],
}

TRETINOIN = {
    "name": "Tretinoin (topical)",
    "drug_class": "topical-retinoid",
    "pregnancy_risk": "contraindicated",
    "summary": ("A prescription retinoid cream for acne that unblocks pores and helps stop new spots forming."),
    "pregnancy_warning": (
        "Do not use tretinoin if you are pregnant or trying to get pregnant. Retinoids can harm an unborn baby."
    ),
    "how_it_works": (
        "Tretinoin is a vitamin A derivative applied to the skin. It speeds up the "
        "turnover of skin cells so that they do not clog pores, which clears "
        "blackheads and whiteheads and prevents new spots."
    ),
    "how_to_use": (
        "- Apply a pea-sized amount thinly to the whole affected area once a day, in "
        "the evening, on clean dry skin.\n"
        "- Start every other night if your skin is sensitive.\n"
        "- Keep it away from the eyes, lips and corners of the nose.\n"
        "- Use sunscreen every day; your skin will burn more easily.\n"
        "- It can take 8 to 12 weeks to see the full effect."
    ),
    "common_side_effects": (
        "- Redness, dryness, peeling and stinging, mostly in the first weeks\n"
        "- A short flare of spots when you start\n"
        "- Sensitivity to sunlight"
    ),
    "serious_side_effects": (
        "Stop using it and see a doctor if you get severe burning, blistering or swelling of the skin."
    ),
    "pregnancy_and_breastfeeding": (
        "Do not use in pregnancy or if you are trying to become pregnant. Ask your "
        "doctor before using it while breastfeeding."
    ),
    "who_must_not_take": (
        "- People who are pregnant or planning a pregnancy\n"
        "- People with eczema or sunburn on the area to be treated\n"
        "- Anyone allergic to tretinoin"
    ),
    "interactions": (
        "Using it with other drying treatments (benzoyl peroxide, salicylic acid, "
        "alcohol toners, scrubs) adds to irritation. Do not use it on the same area as "
        "waxing."
    ),
    "monitoring": "No blood tests are needed.",
    "sources": "NHS: Tretinoin. UK Summary of Product Characteristics.",
    "questions": [
        (
            "Can I use it with a moisturiser?",
            "Yes. A plain, fragrance-free moisturiser applied after the cream reduces "
            "dryness without stopping it from working.",
        ),
    ],
}

CLINDAMYCIN = {
    "name": "Clindamycin (topical)",
    "drug_class": "topical-antibiotic",
    "pregnancy_risk": "caution",
    "summary": "An antibiotic gel for red, inflamed acne spots, supplied on prescription.",
    "pregnancy_warning": "",
    "how_it_works": (
        "Clindamycin is an antibiotic. On the skin it reduces the acne bacteria and the inflammation they cause."
    ),
    "how_to_use": (
        "- Apply a thin layer to the affected skin twice a day after washing.\n"
        "- Use it with benzoyl peroxide if your doctor advises: this stops the bacteria "
        "becoming resistant.\n"
        "- Courses are usually limited to about 12 weeks."
    ),
    "common_side_effects": "- Dry or oily skin\n- Mild irritation or itching",
    "serious_side_effects": (
        "Stop using it and see a doctor if you get severe or bloody diarrhoea or stomach "
        "cramps, even weeks after stopping."
    ),
    "pregnancy_and_breastfeeding": (
        "Ask your doctor or pharmacist before using it if you are pregnant or breastfeeding."
    ),
    "who_must_not_take": (
        "- Anyone allergic to clindamycin or lincomycin\n"
        "- People who have had bowel inflammation (colitis) after antibiotics"
    ),
    "interactions": "Do not use with erythromycin on the skin: the two work against each other.",
    "monitoring": (
        "No routine blood tests are needed for the gel. Your doctor will review how your skin is doing after a few "
        "weeks."
    ),
    "sources": "NHS: Clindamycin. UK Summary of Product Characteristics (topical gel).",
    "questions": [
        (
            "Why do I need a prescription for a gel?",
            "It is an antibiotic. Using antibiotics only when a doctor has judged they "
            "are needed, and for a limited time, keeps the acne bacteria from becoming "
            "resistant to them.",
        ),
        (
            "Can I use it with my other acne products?",
            "Often, yes: doctors commonly combine it with benzoyl peroxide. Tell your "
            "doctor or our pharmacist what else you put on your skin, as several drying "
            "products together can irritate it.",
        ),
    ],
}

DOXYCYCLINE = {
    "name": "Doxycycline",
    "drug_class": "tetracycline",
    "pregnancy_risk": "contraindicated",
    "summary": (
        "A tetracycline antibiotic taken by mouth for moderate to severe acne and rosacea, supplied on prescription."
    ),
    "pregnancy_warning": ("Do not take doxycycline if you are pregnant: it can affect the baby's teeth and bones."),
    "how_it_works": "Doxycycline reduces acne bacteria and calms inflammation in the skin.",
    "how_to_use": (
        "- Swallow each capsule whole with a full glass of water, sitting or standing "
        "up, and not just before bed.\n"
        "- Take it with food if it upsets your stomach, but not with milk, antacids, "
        "iron or zinc within 2 hours.\n"
        "- Protect your skin from the sun."
    ),
    "common_side_effects": ("- Feeling sick, indigestion\n- Sensitivity to sunlight\n- Headache"),
    "serious_side_effects": (
        "Get medical help straight away for a bad headache with changes in eyesight, "
        "severe diarrhoea, or a blistering rash."
    ),
    "pregnancy_and_breastfeeding": ("Not used in pregnancy or while breastfeeding, and not for children under 12."),
    "who_must_not_take": (
        "- People who are pregnant or breastfeeding\n- Children under 12\n- Anyone taking isotretinoin"
    ),
    "interactions": (
        "- Isotretinoin: never together; both can raise the pressure around the brain.\n"
        "- Antacids, iron, zinc and calcium stop it being absorbed: keep them 2 hours "
        "apart."
    ),
    "monitoring": (
        "No routine blood tests are needed for an acne course. Your doctor will check how well it is working after "
        "a few weeks."
    ),
    "sources": "NHS: Doxycycline. British National Formulary.",
    "questions": [
        (
            "Can I take it with isotretinoin?",
            "No. Taken together they can raise the pressure around the brain, so this "
            "shop will not take an order that holds both. If your doctor moves you from "
            "doxycycline to isotretinoin, finish or stop the doxycycline first as they "
            "tell you.",
        ),
        (
            "Why must I not take it with milk or antacids?",
            "Calcium, iron, zinc and antacids bind to doxycycline in the gut, so less of "
            "it is absorbed and it works less well. Keep them 2 hours apart.",
        ),
    ],
}

ADAPALENE = {
    "name": "Adapalene (topical)",
    "drug_class": "topical-retinoid",
    "pregnancy_risk": "contraindicated",
    "summary": "A retinoid-like gel for blackheads, whiteheads and spots.",
    "pregnancy_warning": "Do not use adapalene if you are pregnant or trying to get pregnant.",
    "how_it_works": "Adapalene keeps pores clear by normalising how skin cells shed.",
    "how_to_use": (
        "- Apply a thin layer once a day in the evening to the whole affected area.\n"
        "- Expect some dryness in the first two weeks; use a moisturiser.\n"
        "- Use sunscreen in the day."
    ),
    "common_side_effects": "- Dryness, redness and peeling\n- Stinging",
    "serious_side_effects": "Stop and get advice if your skin blisters or swells.",
    "pregnancy_and_breastfeeding": ("Do not use in pregnancy. Ask a pharmacist before using while breastfeeding."),
    "who_must_not_take": "- People who are pregnant or planning a pregnancy",
    "interactions": "Other drying acne products add to irritation.",
    "monitoring": "No blood tests are needed.",
    "sources": "UK Summary of Product Characteristics (adapalene 0.1% gel).",
    "questions": [
        (
            "My skin is dry and red after starting. Should I stop?",
            "Some dryness and redness in the first weeks is expected. Use it every other "
            "evening and add a plain moisturiser; if your skin blisters or swells, stop "
            "and ask our pharmacist.",
        ),
        (
            "Can I use it with benzoyl peroxide?",
            "Yes, many people do, one in the morning and one in the evening to begin "
            "with, as the two together can be drying.",
        ),
    ],
}

BENZOYL_PEROXIDE = {
    "name": "Benzoyl peroxide (topical)",
    "drug_class": "topical-antiseptic",
    "pregnancy_risk": "none",
    "summary": "An antiseptic for spots that kills acne bacteria and unblocks pores.",
    "pregnancy_warning": "",
    "how_it_works": (
        "Benzoyl peroxide releases oxygen in the pore, which kills acne bacteria, and it "
        "helps dead skin shed. Bacteria do not become resistant to it."
    ),
    "how_to_use": (
        "- Start once a day, then twice a day if your skin copes.\n"
        "- It bleaches fabric and hair: rinse well and use white towels and "
        "pillowcases."
    ),
    "common_side_effects": "- Dryness, redness and peeling\n- Burning or stinging",
    "serious_side_effects": "Stop and get advice if you get swelling or a blistering rash.",
    "pregnancy_and_breastfeeding": ("Very little is absorbed through the skin; ask a pharmacist if you are pregnant."),
    "who_must_not_take": "- Anyone allergic to benzoyl peroxide",
    "interactions": "Using it with tretinoin at the same time can inactivate the tretinoin.",
    "monitoring": "No blood tests are needed.",
    "sources": "NHS: Benzoyl peroxide.",
    "questions": [
        (
            "Which strength should I start with?",
            "The lower strengths (2.5% or 5%) clear spots well and irritate less. Start with those.",
        ),
        (
            "Why are my towels getting white patches?",
            "Benzoyl peroxide bleaches fabric and hair. Rinse it off well, let it dry "
            "before touching pillowcases, and use white towels.",
        ),
    ],
}

VITAMIN_A = {
    "name": "Vitamin A (retinyl palmitate) supplement",
    "drug_class": "vitamin-a",
    "pregnancy_risk": "caution",
    "summary": "A vitamin A food supplement for people whose diet falls short.",
    "pregnancy_warning": "",
    "how_it_works": "Vitamin A supports normal skin, vision and the immune system.",
    "how_to_use": "- One softgel a day with food. Do not take more than the label says.",
    "common_side_effects": "Side effects are rare at the labelled dose.",
    "serious_side_effects": ("Too much vitamin A can cause headache, blurred vision, liver damage and bone problems."),
    "pregnancy_and_breastfeeding": (
        "High doses of vitamin A can harm an unborn baby. Do not take it in pregnancy unless your doctor advises."
    ),
    "who_must_not_take": "- Anyone taking isotretinoin or another oral retinoid",
    "interactions": (
        "- Isotretinoin and acitretin: never together; the effects add up and can cause vitamin A poisoning."
    ),
    "monitoring": "No routine blood tests are needed at the labelled dose.",
    "sources": "NHS: Vitamin A.",
    "questions": [
        (
            "Can I take it while I am on isotretinoin?",
            "No. Isotretinoin is itself made from vitamin A, and together they can cause "
            "vitamin A poisoning. This shop will not take an order that holds both.",
        ),
    ],
}

ALL = [ISOTRETINOIN, TRETINOIN, CLINDAMYCIN, DOXYCYCLINE, ADAPALENE, BENZOYL_PEROXIDE, VITAMIN_A]
