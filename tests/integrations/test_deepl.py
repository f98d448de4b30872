"""DeepL client against the fake DeepL: chunking, language codes, base URL, errors, retries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from integrations.errors import (
    AuthFailed,
    BadRequest,
    NotConfigured,
    RateLimited,
    Rejected,
    ServerError,
    Timeout,
    Unavailable,
)
from integrations.http import HttpClient, Response
from integrations.translate.batching import MAX_BODY, batches, encode
from integrations.translate.deepl import FREE_BASE, NAME, PRO_BASE, DeepL, api_base
from tests.integrations.fakes.deepl import AUTH_KEY, FakeDeepL
from tests.integrations.helpers import FastSleep, fails_every_time, fake_fixture, recovers
from tests.support import fast_http

PRO_KEY = "0d7a1c2e-5b3f-4e6a-8c9d-7f1e2d3c4b5a"

fake = fake_fixture(FakeDeepL)


def env(fake: FakeDeepL, **overrides: str) -> dict[str, str]:
    return {"DEEPL_AUTH_KEY": AUTH_KEY, "DEEPL_API_BASE": fake.base} | overrides


@pytest.fixture
async def deepl(fake: FakeDeepL) -> AsyncIterator[DeepL]:
    """Three tries per request that do not wait, half a second each."""
    http = fast_http(retries=2, timeout=0.5)
    yield DeepL(env(fake), http)
    await http.close()


# --------------------------------------------------------------------------- translating


async def test_translates_in_one_request(deepl: DeepL, fake: FakeDeepL) -> None:
    assert await deepl.translate(["手机壳", "保温杯", "钥匙扣"], "en") == [
        "phone case",
        "thermos",
        "[EN-US] 钥匙扣",
    ]
    (call,) = fake.calls
    assert call.authorization == f"DeepL-Auth-Key {AUTH_KEY}"
    assert call.body == {
        "text": ["手机壳", "保温杯", "钥匙扣"],
        "target_lang": "EN-US",
        "source_lang": "ZH",
    }
    assert fake.used == 9  # characters, not bytes


@pytest.mark.parametrize(
    ("ours", "deepls"),
    [
        ("en", "EN-US"),
        ("pt", "PT-BR"),
        ("zh", "ZH-HANS"),
        ("zh_Hans", "ZH-HANS"),
        ("ru", "RU"),
        ("de", "DE"),
        ("pt_PT", "PT-PT"),
        ("en-GB", "EN-GB"),
    ],
)
async def test_target_language_codes(deepl: DeepL, fake: FakeDeepL, ours: str, deepls: str) -> None:
    await deepl.translate(["手机壳"], ours)
    assert fake.calls[-1].body["target_lang"] == deepls


async def test_translates_into_the_targets_language(deepl: DeepL) -> None:
    assert await deepl.translate(["手机壳", "帆布包"], "ru") == [
        "чехол для телефона",
        "холщовая сумка",
    ]


async def test_source_language_has_no_variant_or_is_left_out(deepl: DeepL, fake: FakeDeepL) -> None:
    await deepl.translate(["手机壳"], "en", source="zh_Hans")
    assert fake.calls[-1].body["source_lang"] == "ZH"

    await deepl.translate(["手机壳"], "en", source=None)
    assert "source_lang" not in fake.calls[-1].body  # DeepL detects it


async def test_order_is_kept_across_requests_of_50(deepl: DeepL, fake: FakeDeepL) -> None:
    titles = [f"商品{n}" for n in range(120)]

    translated = await deepl.translate(titles, "de")

    assert translated == [f"[DE] 商品{n}" for n in range(120)]
    assert [len(call.texts) for call in fake.calls] == [50, 50, 20]
    assert [text for call in fake.calls for text in call.texts] == titles


async def test_body_limit_splits_requests(deepl: DeepL, fake: FakeDeepL) -> None:
    # 20,000 Chinese characters are 60,000 bytes of UTF-8: two fit in 128 KiB, three do not.
    titles = [str(n) + "长" * 20_000 for n in range(5)]

    translated = await deepl.translate(titles, "en")

    assert translated == [f"[EN-US] {title}" for title in titles]
    assert [len(call.texts) for call in fake.calls] == [2, 2, 1]
    assert all(call.size <= MAX_BODY for call in fake.calls)


def test_batches_fill_the_body_to_the_byte() -> None:
    envelope = {"text": [], "target_lang": "EN-US", "source_lang": "ZH"}
    overhead = len(encode(envelope))
    first = "茶" * 20_000
    # The rest of the budget: the first text, a comma and the second text's quotes.
    room = MAX_BODY - overhead - len(encode(first)) - 1 - 2
    fits, too_long = "a" * room, "a" * (room + 1)

    assert len(encode(envelope | {"text": [first, fits]})) == MAX_BODY
    assert list(batches([first, fits], overhead, NAME)) == [[0, 1]]
    assert list(batches([first, too_long], overhead, NAME)) == [[0], [1]]


async def test_a_text_too_long_for_any_request_is_refused_unsent(
    deepl: DeepL, fake: FakeDeepL
) -> None:
    with pytest.raises(BadRequest, match="text 1 alone exceeds"):
        await deepl.translate(["手机壳", "长" * 50_000], "en")
    assert fake.calls == []


async def test_empty_texts_are_not_sent(deepl: DeepL, fake: FakeDeepL) -> None:
    assert await deepl.translate(["", "手机壳", "", "保温杯"], "en") == [
        "",
        "phone case",
        "",
        "thermos",
    ]
    assert [call.texts for call in fake.calls] == [["手机壳", "保温杯"]]


async def test_nothing_to_translate_makes_no_request(deepl: DeepL, fake: FakeDeepL) -> None:
    assert await deepl.translate([], "en") == []
    assert await deepl.translate(["", ""], "en") == ["", ""]
    assert fake.calls == []


async def test_repeated_texts_are_sent_once(deepl: DeepL, fake: FakeDeepL) -> None:
    translated = await deepl.translate(["保温杯", "手机壳", "保温杯"], "en")

    assert translated == ["thermos", "phone case", "thermos"]
    assert fake.calls[0].texts == ["保温杯", "手机壳"]


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("key", "base"),
    [(AUTH_KEY, FREE_BASE), (PRO_KEY, PRO_BASE), ("fx-but-not-a-suffix", PRO_BASE)],
)
def test_the_key_chooses_free_or_pro(key: str, base: str) -> None:
    assert api_base({}, key) == base
    assert DeepL({"DEEPL_AUTH_KEY": key}, HttpClient()).base == base


def test_api_base_overrides_the_keys_choice() -> None:
    env = {"DEEPL_AUTH_KEY": AUTH_KEY, "DEEPL_API_BASE": "http://127.0.0.1:9/"}
    assert DeepL(env, HttpClient()).base == "http://127.0.0.1:9"


@pytest.mark.parametrize("env", [{}, {"DEEPL_AUTH_KEY": ""}])
def test_without_a_key_it_is_not_configured(env: dict[str, str]) -> None:
    with pytest.raises(NotConfigured) as caught:
        DeepL(env, HttpClient())
    assert caught.value.missing == ["DEEPL_AUTH_KEY"]
    assert (caught.value.provider, caught.value.code) == ("deepl", "not_configured")


# --------------------------------------------------------------------------- errors


async def test_wrong_key_is_auth_failed_without_retry(fake: FakeDeepL) -> None:
    http = fast_http(retries=2)
    try:
        with pytest.raises(AuthFailed) as caught:
            await DeepL(env(fake, DEEPL_AUTH_KEY="0000:fx"), http).translate(["手机壳"], "en")
    finally:
        await http.close()
    assert caught.value.code == "403"
    assert len(fake.calls) == 1


async def test_pro_key_on_the_free_endpoint_says_so(fake: FakeDeepL) -> None:
    http = fast_http()
    try:
        with pytest.raises(AuthFailed) as caught:
            await DeepL(env(fake, DEEPL_AUTH_KEY=PRO_KEY), http).translate(["手机壳"], "en")
    finally:
        await http.close()
    assert "Wrong endpoint. Use https://api.deepl.com" in caught.value.raw


async def test_quota_used_up_is_rejected_without_retry(deepl: DeepL, fake: FakeDeepL) -> None:
    fake.quota = 5

    with pytest.raises(Rejected) as caught:
        await deepl.translate(["手机壳保温杯"], "en")

    assert not isinstance(caught.value, Unavailable)
    assert caught.value.code == "quota_exceeded"
    assert "Quota exceeded" in str(caught.value)
    assert len(fake.calls) == 1


async def test_quota_running_out_between_chunks(deepl: DeepL, fake: FakeDeepL) -> None:
    fake.quota = 250  # enough for the first 50 four-character titles, not for the next 50
    with pytest.raises(Rejected, match="quota"):
        await deepl.translate([f"商品{n:02d}" for n in range(100)], "en")
    assert len(fake.calls) == 2
    assert fake.used == 50 * 4


async def test_rate_limited_then_translated(deepl: DeepL, fake: FakeDeepL) -> None:
    assert await recovers(fake, ["429"], deepl.translate(["手机壳"], "en")) == ["phone case"]


async def test_retry_after_is_waited_for(
    fake: FakeDeepL, http: HttpClient, sleep: FastSleep
) -> None:
    fake.plan = ["429", "529"]
    assert await DeepL(env(fake), http).translate(["手机壳"], "en") == ["phone case"]
    assert sleep.delays == [1.0, 1.0]  # the fake's Retry-After, no backoff


async def test_529_then_translated(deepl: DeepL, fake: FakeDeepL) -> None:
    assert await recovers(fake, ["529"], deepl.translate(["保温杯"], "en")) == ["thermos"]


async def test_529_every_time_is_rate_limited(deepl: DeepL, fake: FakeDeepL) -> None:
    error = await fails_every_time(fake, "529", deepl.translate(["保温杯"], "en"), RateLimited)
    assert (error.code, error.retry_after) == ("529", 1.0)


@pytest.mark.parametrize("step", ["500", "garbage", "shapeless", "short", "slow"])
async def test_a_failure_then_translated(deepl: DeepL, fake: FakeDeepL, step: str) -> None:
    fake.slow_seconds = 1.0  # longer than the client's timeout
    translated = await recovers(fake, [step], deepl.translate(["手机壳", "保温杯"], "en"))
    assert translated == ["phone case", "thermos"]


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ("500", ServerError),
        ("garbage", ServerError),
        ("shapeless", ServerError),
        ("short", ServerError),
    ],
)
async def test_failing_every_time(
    deepl: DeepL, fake: FakeDeepL, step: str, error: type[Exception]
) -> None:
    await fails_every_time(fake, step, deepl.translate(["手机壳", "保温杯"], "en"), error)


async def test_translation_count_mismatch_is_a_server_error(deepl: DeepL, fake: FakeDeepL) -> None:
    caught = await fails_every_time(
        fake, "short", deepl.translate(["手机壳", "保温杯"], "en"), ServerError
    )
    assert "1 translations for 2 texts" in str(caught)


async def test_slow_every_time_times_out(deepl: DeepL, fake: FakeDeepL) -> None:
    fake.slow_seconds = 1.0
    await fails_every_time(fake, "slow", deepl.translate(["手机壳"], "en"), Timeout)


# --------------------------------------------------------------------------- the fake itself


async def _post(fake: FakeDeepL, http: HttpClient, body: dict[str, Any]) -> Any:
    headers = {"Authorization": f"DeepL-Auth-Key {AUTH_KEY}"}

    def parsed(response: Response) -> Any:
        return response.json("deepl")

    return await http.call(
        "deepl", "POST", f"{fake.base}/v2/translate", parse=parsed, json=body, headers=headers
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": ["a"] * 51, "target_lang": "DE"}, "413"),
        ({"text": ["a" * (MAX_BODY + 1)], "target_lang": "DE"}, "413"),
        ({"text": [], "target_lang": "DE"}, "400"),
        ({"text": ["a"]}, "400"),
        ({"text": ["a"], "target_lang": "XX"}, "400"),
        ({"text": ["a"], "target_lang": "DE", "source_lang": "EN-US"}, "400"),
    ],
)
async def test_the_fake_refuses_what_deepl_refuses(
    fake: FakeDeepL, http: HttpClient, body: dict[str, Any], status: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await _post(fake, http, body)
    assert caught.value.code == status


async def test_the_fake_accepts_deprecated_targets(fake: FakeDeepL, http: HttpClient) -> None:
    answer = await _post(fake, http, {"text": ["手机壳"], "target_lang": "en"})
    assert answer == {"translations": [{"detected_source_language": "ZH", "text": "phone case"}]}
