"""/categories: browse the catalog by category, then page through a category like a search."""

from __future__ import annotations

from collections.abc import Mapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.services.categories import Node, Tree
from handlers.context import BotContext
from handlers.keyboards import button, grid
from handlers.search import category_label, category_names, category_tree, show_category
from handlers.search_view import View

PATTERN = r"^cg:(?P<key>[0-9a-f]{8}|top)$"


async def categories_command(update: Update, context: BotContext) -> None:
    """The top-level categories, most products first."""
    message = update.effective_message
    assert message is not None
    tree = await category_tree(context)
    if not tree.top:
        await context.reply(message, context.h("The catalog has no categories yet."))
        return
    names = await category_names(context)
    await context.reply(
        message, context.h("Browse the catalog by category:"), top_menu(context, tree, names)
    )


async def category_button(update: Update, context: BotContext) -> None:
    """A top-level category opens its subcategories; a subcategory shows its products."""
    press = update.callback_query
    assert press is not None and context.match is not None
    message = press.message if isinstance(press.message, Message) else None
    tree = await category_tree(context)
    key = context.match["key"]
    node = tree.find(key) if key != "top" else None
    if message is None or (node is None and key != "top"):
        await press.answer(context._("This button is no longer valid."))
        return
    await press.answer()
    names = await category_names(context)
    if node is None:
        await context.edit(
            message, context.h("Browse the catalog by category:"), top_menu(context, tree, names)
        )
    elif node.children:
        label = category_label(context, node.path, names)
        await context.edit(
            message,
            context.h("{category}: choose a kind", category=label),
            branch_menu(context, node, names),
        )
    else:
        await show_category(message, context, node)


def _label(context: BotContext, node: Node, names: Mapping[str, str]) -> str:
    return f"{category_label(context, node.path, names)} · {context.t.number(node.count)}"


def top_menu(context: BotContext, tree: Tree, names: Mapping[str, str]) -> InlineKeyboardMarkup:
    buttons = [button(_label(context, node, names), "cg", node.key) for node in tree.top[:40]]
    return InlineKeyboardMarkup(grid(buttons, columns=2))


def branch_menu(context: BotContext, node: Node, names: Mapping[str, str]) -> InlineKeyboardMarkup:
    everything = InlineKeyboardButton(
        context._("All of it") + f" · {context.t.number(node.count)}",
        callback_data=View(category=node.key).data(),
    )
    kinds = [button(_label(context, child, names), "cg", child.key) for child in node.children[:40]]
    back = button(context._("« Back"), "cg", "top")
    return InlineKeyboardMarkup([[everything], *grid(kinds, columns=2), [back]])
