"""Parse a Google Merchant Center product feed into unified ``Product`` records.

Formats: RSS 2.0 or Atom XML (fields in the ``g:`` namespace or plain), and TSV with a header
row of Google's column names (``id``, ``g:id`` or ``item group id`` all work).

Items sharing an ``item_group_id`` become one ``Product`` with one ``Sku`` each; an item without
a group is a product of its own. Product-level fields come from the group's first item.

Error policy: a problem with one item never raises. A required field that is missing or broken
(id, title, price) skips the item; a broken optional field (sale price, sale window, weight,
availability, quantity, links) is dropped and the item kept. Both land in ``FeedResult.errors``;
the message says which happened ("item skipped" / "ignored"). A feed that cannot be read at all
(undecodable, malformed XML, DOCTYPE/ENTITY declarations, unknown format, TSV without an ``id``
column) raises ``FeedError``.

XML is parsed by ElementTree's C parser after the decoded text is checked for DOCTYPE and
ENTITY declarations, which are refused outright: entity-expansion ("billion laughs") and
external-entity attacks cannot happen.

Conventions: ``ItemError.line_or_index`` is the 1-based line of the row for TSV and the 1-based
position of the ``<item>``/``<entry>`` for XML. A missing ``availability`` means in stock; an
unknown one means out of stock. Sale-window times without an offset are taken as UTC (Google's
rule); all times are returned in UTC.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree as ET

from integrations.types import Availability, Offer, Product, Promotion, Sku

G_NS = "http://base.google.com/ns/1.0"
TITLE_MAX = 300
DESCRIPTION_MAX = 5000
TEXT_MAX = 1000
URL_MAX = 2000
ATTRIBUTE_FIELDS = ("color", "size", "material", "pattern")

# Fields that take one value: a repeated XML element keeps its first non-empty value.
# Any other repeated element (additional_image_link, shipping ...) is joined with ",".
_SINGLE_FIELDS = frozenset(
    {
        "id", "title", "description", "link", "image_link", "price", "sale_price",
        "sale_price_effective_date", "availability", "item_group_id", "color", "size",
        "material", "pattern", "shipping_weight", "product_weight", "product_type", "brand",
        "condition", "quantity",
    }
)  # fmt: skip
_G_PREFIX = f"{{{G_NS}}}"
# An absolute http(s) URL as a button may carry it: a host, then a path, query or fragment,
# nothing that needs quoting (white space, quotes, angle brackets, control characters).
_HTTP_URL = re.compile(
    r"https?://[A-Za-z0-9._~%!$&'()*+,;=:@\[\]-]+(?:[/?#][^\s\x00-\x1f\x7f\"<>\\^`{|}]*)?",
    re.IGNORECASE,
)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# Control characters (Unicode category Cc) that are not whitespace; whitespace ones collapse.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_XML_ROOTS = frozenset({"rss", "feed", "rdf"})
_XML_ITEMS = frozenset({"item", "entry"})

_AVAILABILITY = {
    "in_stock": Availability.IN_STOCK,
    "instock": Availability.IN_STOCK,
    "available_for_order": Availability.IN_STOCK,
    "out_of_stock": Availability.OUT_OF_STOCK,
    "outofstock": Availability.OUT_OF_STOCK,
    "preorder": Availability.PREORDER,
    "pre_order": Availability.PREORDER,
    "backorder": Availability.BACKORDER,
}
_GRAMS_PER_UNIT = {
    "g": Decimal(1),
    "gram": Decimal(1),
    "grams": Decimal(1),
    "kg": Decimal(1000),
    "kgs": Decimal(1000),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}

_XML_DECL_BYTES = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_XML_DECL_TEXT = re.compile(r"\A\s*<\?xml[^>]*\?>")  # anchored: tried once, not at every space
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MONEY = re.compile(
    r"(?P<c1>[A-Za-z]{3})\s*(?P<a1>[-+]?[\d.,]+)|(?P<a2>[-+]?[\d.,]+)\s*(?P<c2>[A-Za-z]{3})"
)
_NUMBER_ONLY = re.compile(r"[-+]?[\d.,]+")
_PLAIN_NUMBER = re.compile(r"[-+]?\d{1,12}(?:\.\d{1,6})?")
_GROUPED_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d{1,6})?")
_DECIMAL_COMMA = re.compile(r"[-+]?\d{1,12},\d{1,2}")
_WEIGHT = re.compile(r"(?P<num>[-+]?[\d.,]+)\s*(?P<unit>[A-Za-z]+)")
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:br|p|div|li|ul|ol|tr|td|th|table|h[1-6])\b[^<>]*>", re.I)
_ANY_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"))


class FeedError(ValueError):
    """The feed as a whole cannot be read: a per-source failure."""


@dataclass(frozen=True, slots=True)
class ItemError:
    """A problem with one item: TSV line number or 1-based XML item position."""

    item_id: str | None
    line_or_index: int
    message: str


@dataclass(slots=True)
class FeedResult:
    products: list[Product] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    # Products (their external ids) with an item that had to be skipped: in the feed, but not
    # read whole this time.
    unreadable: list[str] = field(default_factory=list)


class _Rejected(Exception):
    """A field value that cannot be used; the message is reported."""


@dataclass(frozen=True, slots=True)
class _Record:
    position: int
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Item:
    record: _Record
    title: str
    link: str | None
    sku: Sku


# --------------------------------------------------------------------------- public API


def parse_feed(data: bytes, *, marketplace: str = "feed", id_prefix: str = "") -> FeedResult:
    """Parse one feed file (RSS/Atom XML or TSV) into products and per-item errors.

    `id_prefix` namespaces product ids, so two stores' feeds cannot claim the same product.
    """
    text = decode_feed(data)
    result = FeedResult()
    if text.lstrip().startswith("<"):
        records = _xml_records(text)
    else:
        records = _tsv_records(text, result.errors)
    skipped: list[_Record] = []
    items = _parse_records(records, result.errors, skipped)
    result.products = [_build_product(marketplace, group, id_prefix) for group in _group(items)]
    keys = (_product_key(record.fields, id_prefix) for record in skipped)
    result.unreadable = list(dict.fromkeys(key for key in keys if key))
    return result


# --------------------------------------------------------------------------- decoding


def decode_feed(data: bytes) -> str:
    """The feed as text, whatever its encoding: the BOM's or the XML declaration's, else UTF-8,
    GB18030, then Windows-1252 (Latin-1 as browsers read it)."""
    text = _decode_bytes(data)
    if not text.strip():
        raise FeedError("empty feed")
    return text


def _decode_bytes(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], codec)
    declared = _XML_DECL_BYTES.match(data)
    if declared:
        return _decode_as(data, declared.group(1).decode("ascii"))
    for codec in ("utf-8", "gb18030", "cp1252"):
        try:
            return _decoded(data, codec)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # every byte is a character


def _decode_as(data: bytes, codec: str) -> str:
    try:
        return _decoded(data, codec)
    except (LookupError, UnicodeDecodeError) as exc:
        raise FeedError(f"cannot decode feed as {codec}: {exc}") from exc


DECODE_PIECE = 1 << 20  # bytes decoded per call: no single call over a big feed holds the GIL


def _decoded(data: bytes, codec: str) -> str:
    if len(data) <= DECODE_PIECE:
        return data.decode(codec)
    decoder = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    pieces = [decoder.decode(view[i : i + DECODE_PIECE]) for i in range(0, len(data), DECODE_PIECE)]
    pieces.append(decoder.decode(b"", final=True))
    return "".join(pieces)


# --------------------------------------------------------------------------- XML


def _xml_records(text: str) -> list[_Record]:
    # Characters XML 1.0 forbids (stray control bytes in a title) would fail the whole feed:
    # drop them so the item is read, as the text cleaning would drop them anyway.
    text = _XML_FORBIDDEN.sub("", _XML_DECL_TEXT.sub("", text, count=1))
    root = _parse_xml(text.encode("utf-8"))
    if _local(root.tag).lower() not in _XML_ROOTS:
        raise FeedError(f"unsupported XML root element <{_local(root.tag)}>; expected RSS or Atom")
    return [_Record(i, _element_fields(el)) for i, el in enumerate(_xml_items(root), start=1)]


def _parse_xml(xml: bytes) -> ET.Element:
    # The document is already decoded, so a declaration cannot hide in another encoding.
    # Refusing any DTD up front rules out entity expansion and external entities; the C parser
    # then does the rest several times faster than Python-level expat handlers.
    if _DTD.search(xml):
        raise FeedError("DOCTYPE/ENTITY declarations are not allowed in a feed")
    parser = ET.XMLParser(target=ET.TreeBuilder())  # noqa: S314  (DTDs refused above)
    try:
        parser.feed(xml)
        return parser.close()
    except ET.ParseError as exc:
        raise FeedError(f"malformed XML: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml_items(root: ET.Element) -> list[ET.Element]:
    boxes = [root, *(child for child in root if _local(child.tag) == "channel")]
    return [el for box in boxes for el in box if _local(el.tag) in _XML_ITEMS]


def _element_fields(item: ET.Element) -> dict[str, str]:
    plain: dict[str, str] = {}
    google: dict[str, str] = {}
    for child in item:
        tag = child.tag
        target = google if tag.startswith(_G_PREFIX) else plain
        _put(target, tag.rpartition("}")[2].lower(), _element_value(child))
    alias = plain.get("summary") or plain.get("content")
    if alias and not plain.get("description"):
        plain["description"] = alias
    return plain | {key: value for key, value in google.items() if value or key not in plain}


def _element_value(element: ET.Element) -> str:
    if len(element):  # e.g. <g:shipping><g:country>CN</g:country>...</g:shipping>
        return ":".join((sub.text or "").strip() for sub in element)
    return (element.text or "").strip() or element.get("href", "").strip()


def _put(fields: dict[str, str], key: str, value: str) -> None:
    if not fields.get(key):
        fields[key] = value
    elif value and key not in _SINGLE_FIELDS:
        fields[key] = f"{fields[key]},{value}"


# --------------------------------------------------------------------------- TSV


def _tsv_records(text: str, errors: list[ItemError]) -> list[_Record]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    header = _tsv_header(next(reader, []))
    records: list[_Record] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            errors.append(ItemError(None, reader.line_num, f"unreadable TSV row: {exc}"))
            continue
        if any(cell.strip() for cell in row):
            records.append(_Record(reader.line_num, dict(zip(header, row, strict=False))))


def _tsv_header(cells: list[str]) -> list[str]:
    header = [_header_name(cell) for cell in cells]
    if len(header) < 2:
        raise FeedError("unrecognised feed format: neither XML nor a tab-separated header row")
    if "id" not in header:
        raise FeedError("TSV header has no 'id' column")
    return header


def _header_name(cell: str) -> str:
    name = _SPACES.sub("_", cell.strip().lstrip("\ufeff").lower())
    return name.removeprefix("g:")


# --------------------------------------------------------------------------- items


def _parse_records(
    records: list[_Record], errors: list[ItemError], skipped: list[_Record]
) -> list[_Item]:
    """The items that could be read; `skipped` gets the records of those that could not."""
    items: list[_Item] = []
    first_seen: dict[str, int] = {}
    for record in records:
        item_id = _clean(record.fields.get("id", ""), 200)
        if not item_id:
            errors.append(ItemError(None, record.position, "missing id; item skipped"))
            continue
        first = first_seen.setdefault(item_id, record.position)
        if first != record.position:
            message = f"duplicate id, first seen at {first}; item skipped"
            errors.append(ItemError(item_id, record.position, message))
            continue
        item = _parse_item(record, item_id, errors)
        if item is not None:
            items.append(item)
        else:
            skipped.append(record)
    return items


def _parse_item(record: _Record, item_id: str, errors: list[ItemError]) -> _Item | None:
    fields = record.fields
    try:
        title = _required(clean_text(fields.get("title", ""), TITLE_MAX), "title")
        offer, notes = _offer(fields)
    except _Rejected as exc:
        errors.append(ItemError(item_id, record.position, f"{exc}; item skipped"))
        return None
    link = _url(fields, "link", notes)
    sku = Sku(
        external_id=item_id,
        offer=offer,
        availability=_availability(fields, notes),
        stock=_stock(fields, notes),
        attributes=_attributes(fields),
        weight_grams=_weight(fields, notes),
        image_url=_url(fields, "image_link", notes),
        raw=dict(fields),
    )
    errors.extend(ItemError(item_id, record.position, note) for note in notes)
    return _Item(record, title, link, sku)


def _required(value: str, name: str) -> str:
    if not value:
        raise _Rejected(f"missing {name}")
    return value


def _group(items: list[_Item]) -> list[list[_Item]]:
    groups: dict[tuple[str, str], list[_Item]] = {}
    for item in items:
        groups.setdefault(_group_key(item), []).append(item)
    return list(groups.values())


def _group_key(item: _Item) -> tuple[str, str]:
    group = _clean(item.record.fields.get("item_group_id", ""), 200)
    return ("group", group) if group else ("item", item.sku.external_id)


def shared_title(titles: list[str]) -> str:
    """A group's title: what its variants' titles share, so that it does not name the first
    variant's colour and size ("…软壳 透明" and "…软壳 黑色" -> "…软壳"). Whole words only in
    Latin text; the first title when they share too little to name the product."""
    first = titles[0]
    size = next(
        (i for i, chars in enumerate(zip(*titles, strict=False)) if len(set(chars)) > 1),
        min(map(len, titles)),
    )
    common = first[:size]
    if common == first:
        return first
    if common and _latin(common[-1]) and _latin(first[len(common)]):
        common = re.sub(r"[A-Za-z0-9]+$", "", common)  # "T-shirt Bl" (Black, Blue) -> "T-shirt "
    common = common.rstrip(" -_/|,·(（[")
    return common if len(common) >= max(2, len(first) // 3) else first


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _product_key(fields: dict[str, str], id_prefix: str) -> str:
    """The external id of the product a record belongs to ("" without an id)."""
    own = _clean(fields.get("item_group_id", ""), 200) or _clean(fields.get("id", ""), 200)
    return (id_prefix + own)[:128] if own else ""


def _build_product(marketplace: str, items: list[_Item], id_prefix: str = "") -> Product:
    first = items[0]
    fields = first.record.fields
    category = fields.get("product_type") or fields.get("google_product_category") or ""
    return Product(
        marketplace=marketplace,
        external_id=_product_key(fields, id_prefix),
        title=shared_title([item.title for item in items]),
        skus=tuple(item.sku for item in items),
        url=first.link,
        description=clean_text(fields.get("description", ""), DESCRIPTION_MAX),
        image_url=first.sku.image_url,
        category=_clean(category),
        brand=_clean(fields.get("brand", ""), 200),
        raw=dict(fields),
    )


# --------------------------------------------------------------------------- money


def _offer(fields: dict[str, str]) -> tuple[Offer, list[str]]:
    raw_price = fields.get("price", "").strip()
    if not raw_price:
        raise _Rejected("missing price")
    price, currency = _money(raw_price, "price")
    notes: list[str] = []
    return Offer(price, currency, _promotion(fields, price, currency, notes)), notes


def _money(text: str, name: str) -> tuple[Decimal, str]:
    match = _MONEY.fullmatch(text.strip())
    if match is None:
        if _NUMBER_ONLY.fullmatch(text.strip()):
            raise _Rejected(f"{name} {text!r} has no currency")
        raise _Rejected(f"unparsable {name} {text!r}")
    amount = _number(match["a1"] or match["a2"])
    if amount is None:
        raise _Rejected(f"unparsable {name} {text!r}")
    if amount <= 0:
        raise _Rejected(f"{name} {text!r} must be greater than zero")
    return amount, (match["c1"] or match["c2"]).upper()


def _number(text: str) -> Decimal | None:
    if _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text)
    if _GROUPED_NUMBER.fullmatch(text):
        return Decimal(text.replace(",", ""))
    if _DECIMAL_COMMA.fullmatch(text):
        return Decimal(text.replace(",", "."))
    return None


def _promotion(
    fields: dict[str, str], price: Decimal, currency: str, notes: list[str]
) -> Promotion | None:
    raw_sale = fields.get("sale_price", "").strip()
    if not raw_sale:
        return None
    try:
        sale, sale_currency = _money(raw_sale, "sale_price")
        starts_at, ends_at = _window(fields.get("sale_price_effective_date", ""))
        _check_sale(sale, sale_currency, price, currency)
    except _Rejected as exc:
        notes.append(f"{exc}; sale price ignored")
        return None
    return Promotion(sale, currency, starts_at, ends_at)


def _check_sale(sale: Decimal, sale_currency: str, price: Decimal, currency: str) -> None:
    if sale_currency != currency:
        raise _Rejected(f"sale_price currency {sale_currency} differs from price currency")
    if sale >= price:
        raise _Rejected(f"sale_price {sale} is not below price {price}")


def _window(text: str) -> tuple[datetime | None, datetime | None]:
    text = text.strip()
    if not text:
        return None, None
    start_text, sep, end_text = text.partition("/")
    if not sep:
        raise _Rejected(f"sale_price_effective_date {text!r} is not a 'start/end' interval")
    starts_at, ends_at = _instant(start_text), _instant(end_text)
    if starts_at and ends_at and starts_at >= ends_at:
        raise _Rejected(f"sale_price_effective_date {text!r} ends before it starts")
    return starts_at, ends_at


def _instant(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _Rejected(f"unparsable date {text!r} in sale_price_effective_date") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --------------------------------------------------------------------------- other fields


def _availability(fields: dict[str, str], notes: list[str]) -> Availability:
    raw = fields.get("availability", "").strip()
    if not raw:
        return Availability.IN_STOCK
    key = _SPACES.sub("_", raw.lower().replace("-", "_"))
    if key in _AVAILABILITY:
        return _AVAILABILITY[key]
    notes.append(f"unknown availability {raw!r}; treated as out_of_stock")
    return Availability.OUT_OF_STOCK


def _stock(fields: dict[str, str], notes: list[str]) -> int | None:
    raw = fields.get("quantity", "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    notes.append(f"quantity {raw!r} is not a non-negative integer; ignored")
    return None


def _weight(fields: dict[str, str], notes: list[str]) -> int | None:
    raw = (fields.get("shipping_weight") or fields.get("product_weight") or "").strip()
    if not raw:
        return None
    try:
        return _grams(raw)
    except _Rejected as exc:
        notes.append(f"{exc}; weight ignored")
        return None


def _grams(text: str) -> int:
    match = _WEIGHT.fullmatch(text)
    factor = _GRAMS_PER_UNIT.get(match["unit"].lower()) if match else None
    amount = _number(match["num"]) if match else None
    if factor is None or amount is None:
        raise _Rejected(f"unparsable shipping_weight {text!r}")
    if amount <= 0:
        raise _Rejected(f"shipping_weight {text!r} must be greater than zero")
    return max(1, int((amount * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _attributes(fields: dict[str, str]) -> dict[str, str]:
    values = {name: _clean(fields.get(name, ""), 200) for name in ATTRIBUTE_FIELDS}
    return {name: value for name, value in values.items() if value}


def _url(fields: dict[str, str], name: str, notes: list[str]) -> str | None:
    value = _clean(fields.get(name, ""), URL_MAX + 1)
    if not value:
        return None
    if _HTTP_URL.fullmatch(value) and len(value) <= URL_MAX:
        return value
    notes.append(f"{name} {value[:80]!r} is not an http(s) URL; ignored")
    return None


# --------------------------------------------------------------------------- text


def clean_text(value: str, limit: int = TEXT_MAX) -> str:
    """Strip HTML tags, unescape entities, drop control characters, collapse whitespace."""
    if "<" not in value and "&" not in value:
        return _clean(value, limit)
    text = _ANY_TAG.sub("", _BLOCK_TAG.sub(" ", value))
    return _clean(html.unescape(text), limit)


def _clean(value: str, limit: int = TEXT_MAX) -> str:
    if value.isprintable() and "  " not in value and value.strip(" ") == value:
        return value[:limit].rstrip()  # the common case: nothing to drop or collapse
    text = _CONTROL.sub("", value.translate(_INVISIBLE))
    return _SPACES.sub(" ", text).strip()[:limit].rstrip()
