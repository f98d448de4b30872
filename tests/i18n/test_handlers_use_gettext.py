"""Every text a handler shows goes through gettext: a literal with letters in it, handed to a
reply, an edit, a callback answer or a button, is English that no shopper of another language
could read. Literals of symbols only ("«", "✖ ", "1/3") are fine."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LETTER = re.compile(r"[^\W\d_]")
# Callable name -> positions and keywords of its user-visible text.
SHOWN: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "reply": ((1,), ()),
    "edit": ((1,), ()),
    "send_html": ((1,), ()),
    "send_message": ((1,), ("text",)),
    "answer": ((0,), ("text",)),
    "answer_callback_query": ((1,), ("text",)),
    "button": ((0,), ()),
    "url_button": ((0,), ()),
    "InlineKeyboardButton": ((0,), ("text",)),
    "KeyboardButton": ((0,), ("text",)),
}


def literal_letters(node: ast.expr) -> list[str]:
    """The literal text in `node` that has letters: string constants, f-string parts and both
    sides of a concatenation (a translated call's own literal is its msgid, not shown as is)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if LETTER.search(node.value) else []
    if isinstance(node, ast.JoinedStr):
        found = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                found += literal_letters(part)
            elif isinstance(part, ast.FormattedValue):
                found += literal_letters(part.value)
        return found
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return literal_letters(node.left) + literal_letters(node.right)
    if isinstance(node, ast.IfExp):
        return literal_letters(node.body) + literal_letters(node.orelse)
    return []


def name_of(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def untranslated(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call) or name_of(node) not in SHOWN:
            continue
        positions, keywords = SHOWN[name_of(node)]
        args = [node.args[i] for i in positions if i < len(node.args)]
        args += [k.value for k in node.keywords if k.arg in keywords]
        for arg in args:
            for text in literal_letters(arg):
                found.append(f"{filename}:{node.lineno}: {text!r}")
    return found


def test_handlers_show_no_untranslated_text() -> None:
    found = []
    for path in sorted((ROOT / "handlers").glob("*.py")):
        found += untranslated(path.read_text(encoding="utf-8"), path.name)
    assert found == []


def test_the_check_finds_english_left_in_a_handler() -> None:
    code = """
async def h(update, context):
    await context.reply(message, "Your cart is empty")
    await context.reply(message, context.h("Your cart is empty"))
    await query.answer(text=f"Added {n} items")
    row = [button("« Back", "home"), button("«", "home"), InlineKeyboardButton("✖ " + name)]
    await context.edit(message, "✅ " + "Done" if ok else "❌")
"""
    assert [line.split(": ", 1)[1] for line in untranslated(code, "x.py")] == [
        "'Your cart is empty'",
        "'Added '",
        "' items'",
        "'« Back'",
        "'Done'",
    ]
