"""Account and basket forms answer bad input with a clear error, never a 500."""

import pytest
from oscar.core.loading import get_model

from tests.factories import PASSWORD, ProductFactory, UserFactory

User = get_model("auth", "User")
pytestmark = pytest.mark.django_db


def register(app, email, password1, password2, first_name="Bilal", last_name="Ahmed"):
    form = app.get("/accounts/login/").forms["register_form"]
    form["registration-first_name"] = first_name
    form["registration-last_name"] = last_name
    form["registration-email"] = email
    form["registration-password1"] = password1
    form["registration-password2"] = password2
    return form.submit("registration_submit")


def test_a_new_customer_can_register_and_is_logged_in(django_app):
    response = register(django_app, "new@example.com", "a-long-pass-phrase-7", "a-long-pass-phrase-7")

    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").values_list("first_name", "last_name").get() == (
        "Bilal",
        "Ahmed",
    )
    assert "Log out" in response.follow().follow().text


@pytest.mark.parametrize("name", ["first_name", "last_name"])
def test_registration_needs_the_customers_name(django_app, name):
    response = register(django_app, "new@example.com", "a-long-pass-phrase-7", "a-long-pass-phrase-7", **{name: ""})

    assert response.status_code == 200
    assert "This field is required." in response.html.select_one(f"#id_registration-{name}").find_parent().text
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize(
    ("email", "password1", "password2", "message"),
    [
        (
            "not-an-email",
            "a-long-pass-phrase-7",
            "a-long-pass-phrase-7",
            "Enter a valid email address.",
        ),
        (
            "new@example.com",
            "a-long-pass-phrase-7",
            "different-phrase-8",
            "The two password fields",
        ),
        ("new@example.com", "short", "short", "This password is too short."),
        ("new@example.com", "password123", "password123", "This password is too common."),
    ],
)
def test_registration_rejects_bad_input_with_a_message(django_app, email, password1, password2, message):
    response = register(django_app, email, password1, password2)

    assert response.status_code == 200
    assert message in response.text
    assert not User.objects.filter(email="new@example.com").exists()


def test_registering_an_existing_email_is_refused(django_app):
    UserFactory(email="taken@example.com")

    response = register(django_app, "taken@example.com", "a-long-pass-phrase-7", "a-long-pass-phrase-7")

    assert response.status_code == 200
    assert "A user with that email address already exists" in response.text


def test_a_wrong_password_gives_a_login_error(django_app, customer):
    form = django_app.get("/accounts/login/").forms["login_form"]
    form["login-username"] = customer.email
    form["login-password"] = PASSWORD + "x"

    response = form.submit("login_submit")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "100000", ""])
def test_bad_basket_quantities_are_refused_with_a_message(django_app, quantity):
    product = ProductFactory(stockrecord__num_in_stock=5)
    page = django_app.get(product.get_absolute_url())
    form = page.forms["add_to_basket_form"]
    form["quantity"] = quantity

    response = form.submit()

    page = response.maybe_follow()
    assert page.html.select(".alert-danger, .alert-warning, .error-block")
    assert django_app.get("/basket/").html.select_one("#basket_formset") is None


@pytest.mark.parametrize("selected", ["abc", "999999", "1e3"])
def test_archiving_notifications_with_junk_ids_says_what_is_wrong(customer_app, customer, selected):
    from oscar.core.loading import get_model as model

    notification = model("communication", "Notification").objects.create(recipient=customer, subject="Approved")
    inbox = "/accounts/notifications/inbox/"
    customer_app.get(inbox)

    response = customer_app.post(
        "/accounts/notifications/update/",
        {
            "action": "archive",
            "selected_notification": selected,
            "csrfmiddlewaretoken": customer_app.cookies["csrftoken"],
        },
        headers={"Referer": f"http://testserver{inbox}"},
    )

    assert response.status_code == 302
    assert "You need to select some notifications" in response.follow().text
    notification.refresh_from_db()
    assert notification.location == "Inbox"
