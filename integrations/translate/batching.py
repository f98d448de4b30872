"""What DeepL and LibreTranslate requests share: a list of texts in a JSON body, sent in
chunks of at most MAX_TEXTS texts and MAX_BODY bytes, each distinct text once."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from integrations.errors import BadRequest

MAX_TEXTS = 50  # texts in one request
MAX_BODY = 128 * 1024  # bytes of one request body


def encode(body: Any) -> bytes:
    """The JSON as sent: compact UTF-8 (Chinese takes 3 bytes, not the 6 of \\uXXXX)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def batches(texts: Sequence[str], overhead: int, provider: str) -> Iterator[list[int]]:
    """Indexes of `texts` in request-sized groups: at most MAX_TEXTS texts, and a body of at
    most MAX_BODY bytes, `overhead` being the size of the body with an empty text list."""
    batch: list[int] = []
    size = overhead
    for index, text in enumerate(texts):
        cost = len(encode(text))
        if overhead + cost > MAX_BODY:
            raise BadRequest(
                f"text {index} alone exceeds the {MAX_BODY} byte request limit",
                provider=provider,
                code="too_large",
            )
        if batch and (len(batch) == MAX_TEXTS or size + 1 + cost > MAX_BODY):
            yield batch
            batch, size = [], overhead
        size += cost + (1 if batch else 0)  # the comma between texts
        batch.append(index)
    if batch:
        yield batch


async def translate_each(
    texts: Sequence[str],
    envelope: dict[str, Any],
    field: str,
    send: Callable[[dict[str, Any]], Awaitable[list[str]]],
    provider: str,
) -> list[str]:
    """One translation per text, in input order: `envelope` with the texts under `field`,
    sent by `send` batch by batch. Empty texts stay empty and repeated texts are sent once
    (each text is translated on its own, so nothing changes but the cost)."""
    unique = list(dict.fromkeys(text for text in texts if text))
    done: dict[str, str] = {"": ""}
    for batch in batches(unique, len(encode(envelope)), provider):
        chunk = [unique[i] for i in batch]
        done.update(zip(chunk, await send(envelope | {field: chunk}), strict=True))
    return [done[text] for text in texts]
