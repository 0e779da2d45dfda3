"""Mixed traffic for the load test (bench/load.py starts the server and runs this).

Shoppers browse, search, read product pages and fill baskets; signed-in
customers upload prescriptions; a few pharmacists work the review queue. Each
simulated person comes from their own address, as real visitors behind the
shop's load balancer do (the server runs with TRUSTED_PROXY_COUNT=1).
"""

import itertools
import random
import re
from io import BytesIO

from locust import HttpUser, between, task
from PIL import Image

PASSWORD = "load-test-2026"
CUSTOMERS = itertools.count(1)
ADDRESSES = itertools.count(1)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PRODUCT_LINK = re.compile(r'href="(/catalogue/[\w-]+_\d+/)"')
CATEGORY_LINK = re.compile(r'href="(/catalogue/category/[\w/-]+_\d+/)"')
SEARCHES = ["cream", "sunscreen", "serum", "acne", "cleanser", "isotretinoin", "spf 50", "niacinamide"]


def prescription_photo() -> bytes:
    image = Image.new("RGB", (600, 800), (250, 250, 250))
    out = BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


PHOTO = prescription_photo()


class Visitor(HttpUser):
    abstract = True

    def on_start(self):
        n = next(ADDRESSES)
        self.client.headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.products: list[str] = []
        self.categories: list[str] = []

    def page(self, url: str, name: str | None = None):
        with self.client.get(url, name=name or url, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {url}")
            return response

    def post_form(self, url: str, form_page: str, data: dict, name: str, files=None):
        with self.client.get(form_page, name=f"{name} (form)", catch_response=True) as page:
            token = CSRF.search(page.text)
            if not token:
                page.failure("no CSRF token on the form page")
                return None
        data = {**data, "csrfmiddlewaretoken": token.group(1)}
        headers = {"Referer": self.host + form_page}
        with self.client.post(url, data=data, files=files, name=name, catch_response=True, headers=headers) as response:
            if response.status_code >= 400:
                response.failure(f"{response.status_code} for POST {url}")
            return response

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
        product_url = random.choice(self.products)
        product_id = product_url.rstrip("/").rsplit("_", 1)[1]
        self.post_form(f"/basket/add/{product_id}/", product_url, {"quantity": "1"}, name="/basket/add/[id]/")
        self.page("/basket/")


class Customer(Visitor):
    """A signed-in customer who uploads a prescription now and then."""

    weight = 4
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        self.email = f"load-customer-{next(CUSTOMERS)}@example.com"
        self.post_form(
            "/accounts/login/",
            "/accounts/login/",
            {"login-username": self.email, "login-password": PASSWORD, "login_submit": "Log In"},
            name="/accounts/login/",
        )

    @task(3)
    def my_prescriptions(self):
        self.page("/accounts/prescriptions/")

    @task(2)
    def browse(self):
        if not self.categories:
            self.learn_links(self.page("/").text)
        rx = [url for url in self.categories if "prescription-medicines" in url] or self.categories
        self.learn_links(self.page(rx[0], name="/catalogue/category/[rx]/").text)

    @task(1)
    def upload(self):
        page = self.client.get("/accounts/prescriptions/upload/", name="/accounts/prescriptions/upload/ (form)")
        token = CSRF.search(page.text)
        product = re.search(r'name="products" value="(\d+)"', page.text)
        if not (token and product):
            return
        with self.client.post(
            "/accounts/prescriptions/upload/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "products": product.group(1),
                "patient_name": "Load Test Patient",
                "prescriber_name": "Dr. Load Test",
                "prescriber_registration": "12345-P",
                "issued_on": "2026-11-20",
                "note": "",
            },
            files={"file": ("prescription.jpg", PHOTO, "image/jpeg")},
            headers={"Referer": self.host + "/accounts/prescriptions/upload/"},
            name="/accounts/prescriptions/upload/",
            catch_response=True,
        ) as response:
            # 302: stored. 200: a form error, such as the hourly upload limit,
            # which is the shop working as intended, not a failure.
            if response.status_code not in (200, 302):
                response.failure(f"{response.status_code} on upload")


class Pharmacist(Visitor):
    """Pharmacists reading the review queue."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self):
        super().on_start()
        self.post_form(
            "/accounts/login/",
            "/accounts/login/",
            {"login-username": "pharmacist@example.com", "login-password": "shop-demo-2026", "login_submit": "Log In"},
            name="/accounts/login/",
        )

    @task
    def queue(self):
        self.page("/dashboard/pharmacy/")

    @task
    def queue_all(self):
        self.page("/dashboard/pharmacy/?status=all", name="/dashboard/pharmacy/?status=all")
