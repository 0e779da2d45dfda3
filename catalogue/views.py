from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView
from oscar.apps.catalogue import views

from catalogue import fragments
from catalogue.selectors import category_tree, featured_products, products_for_detail, products_for_page_key


class ProductDetailView(views.ProductDetailView):
    """Oscar's product page; for anonymous visitors, served from a shared cache.

    The cached page holds stand-ins for the visitor's CSRF token and the CSP
    nonce, filled in per request (catalogue/fragments.py), so every visitor
    gets a working form and a script the policy allows.
    """

    page_cache_key = None

    def get_queryset(self):
        return products_for_detail()

    def get(self, request, *args, **kwargs):
        if fragments.page_is_shareable(request):
            # Only what the key needs is loaded; the full product only on a miss.
            product = get_object_or_404(products_for_page_key(), pk=kwargs["pk"])
            if redirect := self.redirect_if_necessary(request.path, product):
                return redirect
            if not self.is_viewable(product, request):
                raise Http404()
            key = fragments.product_page_key(product, request)
            html = cache.get(key)
            if html is not None:
                response = HttpResponse(fragments.fill_holes(html, request))
                self.send_signal(request, response, product)
                return response
            self.page_cache_key = key
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.page_cache_key:
            ctx.update(csrf_token=fragments.CSRF_HOLE, csp_nonce=fragments.NONCE_HOLE)
        return ctx

    # The "tell me when it is back" form only matters when the product is out
    # of stock: otherwise neither the form nor the customer's alerts are read.
    def get_alert_form(self):
        return super().get_alert_form() if self._out_of_stock() else None

    def get_alert_status(self):
        return super().get_alert_status() if self._out_of_stock() else False

    def _out_of_stock(self) -> bool:
        return not self.request.strategy.fetch_for_product(self.object).availability.is_available_to_buy

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.page_cache_key:
            html = response.rendered_content
            cache.set(self.page_cache_key, html, fragments.TIMEOUT)
            response = HttpResponse(fragments.fill_holes(html, self.request))
        return response


class HomeView(TemplateView):
    template_name = "shop/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["categories"] = category_tree()
        ctx["products"] = featured_products()
        return ctx
