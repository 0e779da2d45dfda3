"""Mixed traffic for the load test (bench/load.py starts the server and runs this).

Shoppers browse, search, read product pages and fill baskets; signed-in
customers upload prescriptions; a few pharmacists work the review queue. Each
simulated person comes from their own address, as real visitors behind the
shop's load balancer do (the server runs with TRUSTED_PROXY_COUNT=1).

A request only counts as a success when it did what a visitor wanted, not
merely when it answered below 400. Redirects are never followed, so a page
that sends a signed-out visitor to the login page is a failure, not the login
page's 200. Logging in and uploading must answer with their redirect (302);
a 200 there is the form shown again with an error. The one 200 accepted from
the upload is the shop's own hourly upload limit, which is the shop working.
"""

import datetime
import itertools
import random
import re
import zoneinfo
from io import BytesIO

from locust import HttpUser, between, task
from PIL import Image

PASSWORD = "load-test-2026"
CUSTOMERS = itertools.count(1)
ADDRESSES = itertools.count(1)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PRODUCT_LINK = re.compile(r'href="(/catalogue/[\w-]+_\d+/)"')
CATEGORY_LINK = re.compile(r'href="(/catalogue/category/[\w/-]+_\d+/)"')
RX_PRODUCT_CHOICE = re.compile(r'name="products" value="(\d+)"')
FORM_ERROR = re.compile(
    r'class="[^"]*(?:error-block|invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>(.{0,400}?)</(?:div|span|ul|p)>',
    re.S,
)
SEARCHES = ["cream", "sunscreen", "serum", "acne", "cleanser", "isotretinoin", "spf 50", "niacinamide"]
UPLOAD_LIMIT = "You have uploaded several prescriptions in the last hour"
SHOP_TIME_ZONE = zoneinfo.ZoneInfo("Asia/Karachi")


def prescription_photo() -> bytes:
    image = Image.new("RGB", (600, 800), (250, 250, 250))
    out = BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


PHOTO = prescription_photo()


def written_yesterday() -> str:
    """A prescription date the form accepts whenever the test runs: yesterday, in the shop's time zone."""
    return (datetime.datetime.now(SHOP_TIME_ZONE).date() - datetime.timedelta(days=1)).isoformat()


def form_errors(html: str) -> str:
    errors = [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in FORM_ERROR.findall(html)]
    return "; ".join(error for error in errors if error)[:200] or "no error shown"


class Visitor(HttpUser):
    abstract = True

    def on_start(self):
        n = next(ADDRESSES)
        self.client.headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.products: list[str] = []
        self.categories: list[str] = []

    def page(self, url: str, name: str | None = None, must_show: dict[str, re.Pattern] | None = None):
        """GET a page that must answer 200 itself and show everything in ``must_show``."""
        with self.client.get(url, name=name or url, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"{response.status_code} for {name or url} {where}".strip())
            else:
                missing = [what for what, pattern in (must_show or {}).items() if not pattern.search(response.text)]
                if missing:
                    response.failure(f"{name or url} shows no {', '.join(missing)}")
            return response

    def post_form(self, url: str, form_page: str, data: dict, name: str, files=None, page=None):
        """POST a form as a browser would, with the CSRF token from its page (fetched unless given).

        Returns the response for the caller to judge inside ``with response:``
        (nothing is reported before), or None when the form page failed.
        """
        if page is None:
            page = self.page(form_page, name=f"{name} (form)", must_show={"CSRF token": CSRF})
        token = CSRF.search(page.text) if page.status_code == 200 else None
        if not token:
            return None
        return self.client.post(
            url,
            data={**data, "csrfmiddlewaretoken": token.group(1)},
            files=files,
            name=name,
            allow_redirects=False,
            catch_response=True,
            headers={"Referer": self.host + form_page},
        )

    def log_in(self, email: str, password: str) -> None:
        response = self.post_form(
            "/accounts/login/",
            "/accounts/login/",
            {"login-username": email, "login-password": password, "login_submit": "Log In"},
            name="/accounts/login/",
        )
        if response is None:
            return
        with response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or location.startswith("/accounts/login/"):
                response.failure(f"login refused: {response.status_code} {form_errors(response.text)}")

    def learn_links(self, html: str):
        self.products = list(dict.fromkeys(PRODUCT_LINK.findall(html))) or self.products
        self.categories = list(dict.fromkeys(CATEGORY_LINK.findall(html))) or self.categories


class Shopper(Visitor):
    """Anonymous browsing: the bulk of a shop's traffic."""

    weight = 10
    wait_time = between(0.5, 2)

    @task(4)
    def browse(self):
        response = self.page("/catalogue/")
        self.learn_links(response.text)

    @task(3)
    def category(self):
        if not self.categories:
            self.learn_links(self.page("/").text)
        if self.categories:
            self.page(random.choice(self.categories), name="/catalogue/category/[slug]/")

    @task(3)
    def search(self):
        self.page(f"/search/?q={random.choice(SEARCHES)}", name="/search/?q=[term]")

    @task(5)
    def product(self):
        if not self.products:
            self.learn_links(self.page("/catalogue/").text)
        if self.products:
            self.page(random.choice(self.products), name="/catalogue/[product]/")

    @task(2)
    def basket(self):
        if not self.products:
            self.learn_links(self.page("/catalogue/").text)
        if not self.products:
            return
        product_url = random.choice(self.products)
        product_id = product_url.rstrip("/").rsplit("_", 1)[1]
        response = self.post_form(f"/basket/add/{product_id}/", product_url, {"quantity": "1"}, "/basket/add/[id]/")
        if response is not None:
            with response:
                # Oscar answers every add, accepted or refused (out of stock), with a redirect.
                if response.status_code != 302:
                    response.failure(f"{response.status_code} adding to the basket")
        self.page("/basket/")


class Customer(Visitor):
    """A signed-in customer who uploads a prescription now and then."""

    weight = 4
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        self.log_in(f"load-customer-{next(CUSTOMERS)}@example.com", PASSWORD)

    @task(3)
    def my_prescriptions(self):
        self.page("/accounts/prescriptions/")

    @task(2)
    def browse(self):
        if not self.categories:
            self.learn_links(self.page("/").text)
        rx = [url for url in self.categories if "prescription-medicines" in url] or self.categories
        if rx:
            self.learn_links(self.page(rx[0], name="/catalogue/category/[rx]/").text)

    @task(1)
    def upload(self):
        form_page = "/accounts/prescriptions/upload/"
        must_show = {"CSRF token": CSRF, "medicine to choose": RX_PRODUCT_CHOICE}
        page = self.page(form_page, name=f"{form_page} (form)", must_show=must_show)
        product = RX_PRODUCT_CHOICE.search(page.text) if page.status_code == 200 else None
        if not product:
            return
        data = {
            "products": product.group(1),
            "patient_name": "Load Test Patient",
            "prescriber_name": "Dr. Load Test",
            "prescriber_registration": "12345-P",
            "issued_on": written_yesterday(),
            "note": "",
        }
        files = {"file": ("prescription.jpg", PHOTO, "image/jpeg")}
        response = self.post_form(form_page, form_page, data, name=form_page, files=files, page=page)
        if response is None:
            return
        with response:
            stored = response.status_code == 302 and "/accounts/prescriptions/" in response.headers.get("Location", "")
            limited = response.status_code == 200 and UPLOAD_LIMIT in response.text
            if not (stored or limited):
                response.failure(f"upload not stored: {response.status_code} {form_errors(response.text)}")


class Pharmacist(Visitor):
    """Pharmacists reading the review queue."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self):
        super().on_start()
        self.log_in("pharmacist@example.com", "shop-demo-2026")

    @task
    def queue(self):
        self.page("/dashboard/pharmacy/")

    @task
    def queue_all(self):
        self.page("/dashboard/pharmacy/?status=all", name="/dashboard/pharmacy/?status=all")
