"""Price band tokens: what a product's price is indexed under, and which ranges are one band."""

from __future__ import annotations

from bot.search.tokens import band_of, price_token, runs, with_price
from handlers.search_view import PRICES, View


def test_each_price_range_the_results_filter_offers_is_one_band() -> None:
    """A range within one band is intersected with the query in the index; the filter's own
    ranges must each be one (handlers/search_view.PRICES beside tokens.PRICE_BANDS)."""
    for index in range(1, len(PRICES)):
        wanted = View(price=index).filters()  # the range as the results' view asks for it
        assert wanted.band == price_token(wanted.min_price_minor or 0), PRICES[index]
    assert band_of(None, None) is None  # every price
    assert band_of(4_000, 6_000) is None  # two bands
    assert band_of(6_000, 7_000) == price_token(5_000) != price_token(4_999)
    assert with_price("手机 壳", 30_000) == f"手机 壳 {price_token(30_000)}"
    assert with_price("", 30_000) == price_token(30_000)
    assert with_price("手机 壳", None) == "手机 壳"
    # nothing a shopper types becomes a band token: the private-use character is dropped
    assert runs(f"手机 {price_token(30_000)} case") == ["手机", "2", "case"]
