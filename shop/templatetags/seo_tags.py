"""Head tags for search engines and link previews (shop/seo.py builds what they say)."""

from django import template

from shop import seo

register = template.Library()


@register.filter
def absolute_url(url) -> str:
    return seo.absolute(str(url))


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's own address without its query string, except the page number of a listing."""
    request = context.get("request")
    if request is None:
        return ""
    url = seo.absolute(request.path)
    page = request.GET.get("page", "")
    if page.isdigit() and int(page) > 1:
        url += f"?page={int(page)}"
    return url


@register.simple_tag(takes_context=True)
def product_json_ld(context, product, rules, image_url=None):
    request = context["request"]
    categories = list(product.categories.all())
    data = seo.product_data(
        product=product,
        purchase=request.strategy.fetch_for_product(product),
        rules=rules,
        url=seo.absolute(product.get_absolute_url()),
        image_url=image_url or None,
        category=categories[0] if categories else None,
    )
    return seo.json_ld(data, nonce=str(context.get("csp_nonce", "")))
