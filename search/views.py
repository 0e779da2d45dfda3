"""Catalogue listings and search, served from the database and its text index.

These replace Oscar's haystack views (see search/index.py for why). The URL
names, template names and context names stay Oscar's, so Oscar's links and
templates keep working.
"""

from functools import partial
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from oscar.apps.search.signals import user_search
from oscar.core.loading import get_model

from catalogue import fragments
from catalogue.selectors import SORT_ORDERS, listing_count, products_for_listing, with_tile_data
from search.forms import SearchForm, SortForm
from search.index import ProductSearchResults
from search.query import did_you_mean
from search.selectors import popular_categories

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")


class KnownCountPaginator(Paginator):
    """A paginator told how to count, instead of counting the queryset itself."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count()


class ProductListView(ListView):
    context_object_name = "products"
    paginate_by = settings.OSCAR_PRODUCTS_PER_PAGE
    summary = ""
    count_scope = "all"
    # The only parameters a shared listing page may carry, and their valid values.
    shared_query = {"sort": SORT_ORDERS.__contains__, "page": lambda value: value.isdigit() and value[0] != "0"}

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        count = partial(listing_count, queryset, scope=self.count_scope)
        return KnownCountPaginator(
            queryset, per_page, count=count, orphans=orphans, allow_empty_first_page=allow_empty_first_page, **kwargs
        )

    def get(self, request, *args, **kwargs):
        try:
            if fragments.page_is_shareable(request, query=self.shared_query):
                return self.shared_page(request)
            return super().get(request, *args, **kwargs)
        except Http404:
            messages.error(request, _("That page number does not exist."))
            return redirect(request.path)

    def shared_page(self, request):
        """The page anonymous visitors share, from the cache when nothing on it changed.

        The page's products are loaded either way (their prices and stock make
        the key); only the rendering is saved.
        """
        self.object_list = self.get_queryset()
        context = self.get_context_data()
        context[self.context_object_name] = products = list(context["page_obj"].object_list)
        key = fragments.listing_page_key(request, products)
        html = cache.get(key)
        if html is None:
            context.update(csrf_token=fragments.CSRF_HOLE, csp_nonce=fragments.NONCE_HOLE)
            html = render_to_string(self.get_template_names(), context, request)
            cache.set(key, html, fragments.TIMEOUT)
        return HttpResponse(fragments.fill_holes(html, request))

    def sort(self) -> str:
        return SortForm(self.request.GET).cleaned_sort()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["summary"] = self.summary
        ctx["sort_form"] = SortForm(initial={"sort": self.sort()})
        ctx["sort_value"] = self.sort()
        return ctx


class CatalogueView(ProductListView):
    template_name = "oscar/catalogue/browse.html"
    summary = _("All products")

    def get_queryset(self):
        return products_for_listing(sort=self.sort())


class ProductCategoryView(ProductListView):
    template_name = "oscar/catalogue/category.html"

    def get(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=kwargs["pk"])
        if not (self.category.is_public or request.user.is_staff):
            raise Http404
        expected = self.category.get_absolute_url()
        if unquote(expected) != unquote(request.path):
            return HttpResponsePermanentRedirect(expected)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.count_scope = f"category:{self.category.pk}"
        return products_for_listing(category=self.category, sort=self.sort())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["category"] = self.category
        ctx["summary"] = self.category.name
        return ctx


class SearchView(ListView):
    template_name = "oscar/search/results.html"
    context_object_name = "results"
    paginate_by = settings.OSCAR_PRODUCTS_PER_PAGE

    def get(self, request, *args, **kwargs):
        self.form = SearchForm(request.GET)
        self.query = self.form.cleaned_query()
        if self.form.shortened():
            messages.info(
                request,
                _("Your search was shortened to its first %(count)d characters.") % {"count": SearchForm.MAX_LENGTH},
            )
        user_search.send(sender=self, session=request.session, user=request.user, query=self.query)
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            messages.error(request, _("That page number does not exist."))
            return redirect(f"{request.path}?{urlencode({'q': self.query})}")

    def get_queryset(self):
        # Every visitor searches the same products, so the ranking can be shared.
        return ProductSearchResults(
            self.query, queryset=with_tile_data(Product.objects.browsable()), shared_as="browsable"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["query"] = self.query
        ctx["form"] = self.form
        results = self.object_list
        ctx["reading"] = results.reading if results.words else None
        if self.query and not results.count():
            suggestion = did_you_mean(results.words)
            if suggestion and ProductSearchResults(suggestion, queryset=Product.objects.browsable()).count():
                ctx["did_you_mean"] = suggestion
            ctx["popular_categories"] = popular_categories()
        return ctx
