"""A parcel that came back: its packs go back on sale only after a pharmacist has checked them."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from oscar.core.loading import get_model

from order import services
from order.selectors import returned_lines_to_check
from order.services import TransitionRefused
from tests.factories import ProductFactory, UserFactory, pharmacist_user
from tests.order.test_services import place, stock

ReturnCheck = get_model("order", "ReturnCheck")
OrderNote = get_model("order", "OrderNote")

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def pharmacist(db):
    return pharmacist_user()


@pytest.fixture
def returned(customer, staff):
    cleanser = ProductFactory(title="Gentle cleanser")
    sunscreen = ProductFactory(title="Sunscreen SPF 50")
    order = place(customer, (cleanser, 2), (sunscreen, 1))
    services.order_pack(order=order, actor=staff)
    services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="TCS-778812")
    services.order_return(order=order, actor=staff, reason="Nobody at the address")
    assert stock(cleanser) == (48, 0) and stock(sunscreen) == (49, 0)
    return order, cleanser, sunscreen


def lines(order):
    return {line.product.title: line for line in order.lines.all()}


def test_sealed_packs_go_back_on_sale_and_damaged_ones_are_written_off_with_the_reason(returned, pharmacist):
    order, cleanser, sunscreen = returned
    by_title = lines(order)

    services.order_return_check(
        order=order,
        pharmacist=pharmacist,
        outcomes={
            by_title["Gentle cleanser"].pk: ("restocked", ""),
            by_title["Sunscreen SPF 50"].pk: ("written_off", "Seal broken, box crushed"),
        },
    )

    assert stock(cleanser) == (50, 0)
    assert stock(sunscreen) == (49, 0)
    checks = {c.line.product.title: c for c in ReturnCheck.objects.all()}
    assert (checks["Gentle cleanser"].outcome, checks["Gentle cleanser"].quantity) == ("restocked", 2)
    assert checks["Sunscreen SPF 50"].reason == "Seal broken, box crushed"
    assert checks["Sunscreen SPF 50"].pharmacist == pharmacist
    assert "Returned packs checked" in order.notes.latest("pk").message
    assert returned_lines_to_check(order) == []


def test_only_a_pharmacist_checks_returned_packs(returned, staff):
    order, cleanser, _ = returned

    with pytest.raises(TransitionRefused, match="Only a pharmacist"):
        services.order_return_check(
            order=order, pharmacist=staff, outcomes={line.pk: ("restocked", "") for line in order.lines.all()}
        )

    assert stock(cleanser) == (48, 0)
    assert not ReturnCheck.objects.exists()


def test_every_line_is_checked_at_once_and_only_once(returned, pharmacist):
    order, cleanser, _ = returned
    first, second = order.lines.order_by("pk")

    with pytest.raises(TransitionRefused, match="every returned line"):
        services.order_return_check(order=order, pharmacist=pharmacist, outcomes={first.pk: ("restocked", "")})
    assert stock(cleanser) == (48, 0)

    everything = {first.pk: ("restocked", ""), second.pk: ("restocked", "")}
    services.order_return_check(order=order, pharmacist=pharmacist, outcomes=everything)
    with pytest.raises(TransitionRefused, match="already checked"):
        services.order_return_check(order=order, pharmacist=pharmacist, outcomes=everything)

    assert stock(cleanser) == (50, 0)
    assert ReturnCheck.objects.count() == 2


@pytest.mark.parametrize(
    ("outcome", "reason", "refused_with"),
    [
        ("written_off", "", "Say why"),
        ("written_off", "   ", "Say why"),
        ("written_off", "x" * 201, "under 200"),
        ("resold", "", "Choose what happens"),
    ],
)
def test_a_bad_outcome_is_refused_and_nothing_is_recorded(returned, pharmacist, outcome, reason, refused_with):
    order, cleanser, _ = returned
    outcomes = {line.pk: (outcome, reason) for line in order.lines.all()}

    with pytest.raises(TransitionRefused, match=refused_with):
        services.order_return_check(order=order, pharmacist=pharmacist, outcomes=outcomes)

    assert not ReturnCheck.objects.exists()
    assert stock(cleanser) == (48, 0)


def test_an_order_that_did_not_come_back_has_nothing_to_check(customer, staff, pharmacist):
    order = place(customer, (ProductFactory(), 1))

    with pytest.raises(TransitionRefused):
        services.order_return_check(
            order=order, pharmacist=pharmacist, outcomes={line.pk: ("restocked", "") for line in order.lines.all()}
        )
    assert returned_lines_to_check(order) == []


def test_a_return_check_cannot_be_rewritten(returned, pharmacist):
    order, _, _ = returned
    services.order_return_check(
        order=order,
        pharmacist=pharmacist,
        outcomes={line.pk: ("written_off", "Out of date") for line in order.lines.all()},
    )

    check = ReturnCheck.objects.first()
    check.outcome = "restocked"
    with pytest.raises(Exception, match="append-only"):
        check.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE order_returncheck SET outcome = 'restocked'")


def test_the_pharmacist_checks_a_returned_parcel_in_the_dashboard(django_app, returned, pharmacist):
    order, cleanser, _ = returned

    queue = django_app.get("/dashboard/pharmacy/returns/", user=pharmacist)
    page = queue.click(order.number)
    form = page.forms["return_check_form"]
    by_title = lines(order)
    form[f"outcome_{by_title['Gentle cleanser'].pk}"] = "restocked"
    form[f"outcome_{by_title['Sunscreen SPF 50'].pk}"] = "written_off"
    refused = form.submit()
    assert refused.status_code == 200
    assert "Say why Sunscreen SPF 50 is written off" in refused.text
    assert stock(cleanser) == (48, 0)

    form = refused.forms["return_check_form"]
    form[f"reason_{by_title['Sunscreen SPF 50'].pk}"] = "Box crushed"
    done = form.submit().follow()

    assert "Returned packs of order" in done.text and "Box crushed" in done.text
    assert stock(cleanser) == (50, 0)
    assert order.number not in django_app.get("/dashboard/pharmacy/returns/", user=pharmacist).text


def test_customers_and_shop_staff_cannot_open_the_returns_pages(django_app, returned, customer, staff):
    order, _, _ = returned

    for user in (customer, staff):
        for url in ("/dashboard/pharmacy/returns/", f"/dashboard/pharmacy/returns/{order.number}/"):
            assert django_app.get(url, user=user, expect_errors=True).status_code in (302, 403)
