"""The steps of Oscar's checkout, driven through the real pages with WebTest."""


def add_to_basket(app, product, quantity=1):
    page = app.get(product.get_absolute_url())
    form = page.forms["add_to_basket_form"]
    form["quantity"] = quantity
    return form.submit().follow()


ADDRESS = {
    "first_name": "Sana",
    "last_name": "Qureshi",
    "line1": "House 14, Street 7",
    "line4": "Lahore",
    "postcode": "54000",
    "phone_number": "0300 1234567",
}


def submit_address(form, **overrides):
    """Fill an address form (checkout or address book) with a good address, changed by ``overrides``."""
    for name, value in {**ADDRESS, **overrides}.items():
        form[name] = value
    return form.submit()


def fill_new_address(page, **overrides):
    return submit_address(page.forms["new_shipping_address"], **overrides)


def choose_method(page, code):
    for form in page.forms.values():
        if form.fields.get("method_code") and form["method_code"].value == code:
            return form.submit()
    raise AssertionError(f"no shipping method {code!r} offered")


def checkout_to_preview(app, method="standard", **address):
    page = app.get("/checkout/").follow()
    assert "new_shipping_address" in page.forms
    page = fill_new_address(page, **address).follow()
    page = choose_method(page, method).follow()  # payment method step redirects on
    page = page.follow() if page.status_code == 302 else page
    return page.click(href="/checkout/preview/")
