"""/settings: the currency prices are shown in, the country goods are shipped to and the time
zone dates are shown in (the country's main one until another is chosen)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot import regions
from bot.i18n import display_name
from bot.regions import COUNTRIES, CURRENCIES
from bot.services import users
from handlers.context import BotContext
from handlers.keyboards import button, grid, markup

PATTERN = (
    r"^cfg:(?P<what>home|cur|cty|tz)(?::(?P<arg>(?<=tz:)[A-Za-z0-9_/+-]{3,48}"
    r"|(?<!tz:)(?:[A-Z]{2,3}|p\d{1,2})))?$"
)  # a time zone's IANA name after tz:, a code or a page after the others
COUNTRIES_PER_PAGE = 12


def summary(context: BotContext) -> str:
    h, t, account = context.h, context.t, context.account
    currency = users.currency_of(account, context.deps.settings.default_currency)
    country = account.country if account is not None else None
    title = h("Your settings")
    return "\n".join(
        [
            f"<b>{title}</b>",
            "",
            h("Language: {value}", value=display_name(t.locale)),
            h("Currency: {value}", value=f"{t.currency_name(currency)} ({currency})"),
            h("Ship to: {value}", value=t.country(country) if country else t.gettext("not set")),
            h("Time zone: {value}", value=t.zone(users.time_zone_of(account))),
        ]
    )


def home_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    _ = context._
    return markup(
        [button(_("Currency"), "cfg", "cur"), button(_("Country"), "cfg", "cty")],
        [button(_("Language"), "lang"), button(_("Time zone"), "cfg", "tz")],
    )


def _ticked(label: str, chosen: bool) -> str:
    return f"✓ {label}" if chosen else label


def currency_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    current = users.currency_of(context.account, context.deps.settings.default_currency)
    rows = grid(
        (button(_ticked(code, code == current), "cfg", "cur", code) for code in CURRENCIES),
        columns=5,
    )
    return markup(*rows, [button(context._("« Back"), "cfg", "home")])


def zone_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    """The destination country's time zones (one for each offset) and UTC, the current ticked."""
    account = context.account
    current = users.time_zone_of(account)
    zones = dict.fromkeys((*regions.zones_of(account.country if account else None), "UTC"))
    rows = grid(
        (button(_ticked(context.t.zone(z), z == current), "cfg", "tz", z) for z in zones),
        columns=1 if len(zones) > 4 else 2,
    )
    return markup(*rows, [button(context._("« Back"), "cfg", "home")])


def country_keyboard(context: BotContext, page: int | None) -> InlineKeyboardMarkup:
    """A page of countries (by default the one with the chosen country), the chosen ticked."""
    current = context.account.country if context.account is not None else None
    if page is None:
        page = COUNTRIES.index(current) // COUNTRIES_PER_PAGE if current in COUNTRIES else 0
    pages = max(1, -(-len(COUNTRIES) // COUNTRIES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    chunk = COUNTRIES[page * COUNTRIES_PER_PAGE : (page + 1) * COUNTRIES_PER_PAGE]
    rows = grid(
        (button(_ticked(context.t.country(c), c == current), "cfg", "cty", c) for c in chunk),
        columns=2,
    )
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(button("‹", "cfg", "cty", f"p{page - 1}"))
    nav.append(button(context._("« Back"), "cfg", "home"))
    if page < pages - 1:
        nav.append(button("›", "cfg", "cty", f"p{page + 1}"))
    return markup(*rows, nav)


async def settings_command(update: Update, context: BotContext) -> None:
    """Show the current settings with buttons to change them."""
    assert update.effective_message is not None
    await context.reply(update.effective_message, summary(context), home_keyboard(context))


async def settings_button(update: Update, context: BotContext) -> None:
    """Navigate the settings screens and store a chosen currency or country."""
    query = update.callback_query
    assert query is not None and context.match is not None and update.effective_user is not None
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        await query.answer(context._("This button is no longer valid."))
        return
    what, arg = context.match["what"], context.match["arg"]
    chosen = arg and (what == "tz" or (what in ("cur", "cty") and not arg.startswith("p")))
    if what == "home" or chosen:
        if what != "home" and not await _store(update, context, what, arg):
            return
        await query.answer()
        await context.edit(message, summary(context), home_keyboard(context))
        return
    await query.answer()
    if what == "tz":
        await context.edit(message, context.h("Show dates and times in:"), zone_keyboard(context))
    elif what == "cur":
        await context.edit(
            message, context.h("Choose the currency for prices:"), currency_keyboard(context)
        )
    else:
        page = int(arg[1:]) if arg else None
        await context.edit(
            message, context.h("Where should we ship your orders?"), country_keyboard(context, page)
        )


async def _store(update: Update, context: BotContext, what: str, code: str) -> bool:
    assert update.effective_user is not None and update.callback_query is not None
    setter = {"cur": users.set_currency, "cty": users.set_country, "tz": users.set_time_zone}[what]
    try:
        async with context.deps.sessions.begin() as session:
            context.account = await setter(session, update.effective_user.id, code)
        context.t = users.translator_for(context.account, context.t.locale)
    except users.InvalidChoice:
        await update.callback_query.answer(
            context._("This option is not available."), show_alert=True
        )
        return False
    return True
