"""The pregnancy-warning checkbox: whatever is posted, a clear message and never an error page."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from prescriptions.models import DispensingPolicy, RiskAcknowledgement, warning_fingerprint
from tests.factories import DrugInformationFactory, RxProductFactory

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
WARNING = "Isotretinoin causes severe birth defects. Do not take it if you are pregnant."
NOT_FROM_THE_PAGE = (
    "We could not tell which wording of the pregnancy warning you read. "
    "Please read it again on this page and tick the box."
)
EDITED = "The pregnancy warning was updated while you read it. Please read it again."
UNTICKED = "Tick the box to confirm you have read the warning."
READ = "Thank you. We have recorded that you read the pregnancy warning."


@pytest.fixture
def isotretinoin():
    product = RxProductFactory(
        title="Isotretinoin 20 mg capsules, 30",
        drug_information=DrugInformationFactory(pregnancy_risk="contraindicated", pregnancy_warning=WARNING),
    )
    DispensingPolicy.objects.create(product=product, validity_days=30, risk_acknowledgement_required=True)
    return product


@pytest.fixture
def browser(customer):
    client = Client()
    client.force_login(customer)
    return client


def acknowledge(browser, product, data):
    response = browser.post(f"/accounts/prescriptions/acknowledge/{product.pk}/", data)
    return response, [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    "warning",
    [
        pytest.param("f" * 65, id="one-character-too-long"),
        pytest.param(warning_fingerprint(WARNING) + "0" * 4000, id="fingerprint-with-4000-more"),
        pytest.param("x" * 64, id="right-length-not-a-fingerprint"),
        pytest.param(warning_fingerprint(WARNING).upper(), id="upper-case"),
        pytest.param(" " + warning_fingerprint(WARNING)[1:], id="leading-space"),
        pytest.param("", id="empty"),
        pytest.param("'; DROP TABLE prescriptions_riskacknowledgement; --", id="sql"),
    ],
)
def test_a_warning_fingerprint_the_page_never_sends_is_refused_with_a_clear_message(browser, isotretinoin, warning):
    response, shown = acknowledge(browser, isotretinoin, {"acknowledged": "on", "warning": warning})

    assert response.status_code == 302
    assert response["Location"] == isotretinoin.get_absolute_url()
    assert shown == [NOT_FROM_THE_PAGE]
    assert not RiskAcknowledgement.objects.exists()


def test_a_post_without_a_fingerprint_is_refused_with_a_clear_message(browser, isotretinoin):
    response, shown = acknowledge(browser, isotretinoin, {"acknowledged": "on"})

    assert response.status_code == 302
    assert shown == [NOT_FROM_THE_PAGE]
    assert not RiskAcknowledgement.objects.exists()


def test_the_unticked_box_is_named_before_a_bad_fingerprint(browser, isotretinoin):
    _response, shown = acknowledge(browser, isotretinoin, {"warning": "f" * 65})

    assert shown == [UNTICKED]


def test_a_well_formed_fingerprint_of_other_wording_asks_to_read_the_warning_again(browser, isotretinoin):
    _response, shown = acknowledge(
        browser, isotretinoin, {"acknowledged": "on", "warning": warning_fingerprint("Some older wording.")}
    )

    assert shown == [EDITED]
    assert not RiskAcknowledgement.objects.exists()


def test_any_post_gets_a_message_and_only_the_shown_wording_ticked_is_recorded(customer, isotretinoin):
    fingerprint = warning_fingerprint(WARNING)
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)

    @FUZZ
    @given(
        acknowledged=st.one_of(st.none(), st.sampled_from(["on", "true", "1", "false", "0", ""]), text),
        warning=st.one_of(
            st.none(),
            st.just(fingerprint),
            text,
            st.from_regex(r"\A[0-9a-fA-F]{60,70}\Z"),
            st.builds(lambda extra: fingerprint + extra, text),
        ),
        extra=st.dictionaries(st.sampled_from(["product", "next", "csrfmiddlewaretoken", "warning[]"]), text),
    )
    def check(acknowledged, warning, extra):
        RiskAcknowledgement.objects.all().delete()
        browser = Client()  # with no message left over from the example before
        browser.force_login(customer)
        data = {**extra}
        if acknowledged is not None:
            data["acknowledged"] = acknowledged
        if warning is not None:
            data["warning"] = warning
        response, shown = acknowledge(browser, isotretinoin, data)

        assert response.status_code == 302
        assert len(shown) == 1
        # Django's checkbox reads any value but "" and "false" (in any case) as ticked.
        ticked = acknowledged is not None and acknowledged.lower() not in ("", "false")
        recorded = RiskAcknowledgement.objects.exists()
        assert recorded == (ticked and warning == fingerprint)
        if recorded:
            assert shown == [READ]
        else:
            assert shown[0] in (NOT_FROM_THE_PAGE, EDITED, UNTICKED)

    check()
