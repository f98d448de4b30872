"""LibreTranslate client against the fake LibreTranslate: chunking, language codes, API keys,
errors (and the key kept out of them), retries; then the fake's own wire format."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from integrations.errors import (
    AuthFailed,
    BadRequest,
    IntegrationError,
    NotConfigured,
    RateLimited,
    Rejected,
    ServerError,
    Timeout,
    Unavailable,
)
from integrations.http import HttpClient, Policy, Response
from integrations.translate.batching import MAX_BODY, batches, encode
from integrations.translate.libretranslate import (
    MANIFEST,
    NAME,
    POLICY,
    LibreTranslate,
    _hide,
    language_code,
)
from tests.integrations.fakes.libretranslate import API_KEY, FakeLibreTranslate
from tests.integrations.helpers import fails_every_time, fake_fixture, recovers
from tests.support import fast_http

#: Our locales (locales/) and what the adapter sends for each.
LOCALES = {
    "en": "en",
    "ru": "ru",
    "es": "es",
    "fr": "fr",
    "de": "de",
    "ja": "ja",
    "ko": "ko",
    "vi": "vi",
    "th": "th",
    "id": "id",
    "ms": "ms",
    "ar": "ar",
    "pt_BR": "pb",
    "zh_Hans": "zh",
    "zh_Hant": "zt",
}

fake = fake_fixture(FakeLibreTranslate)


def env(fake: FakeLibreTranslate, **overrides: str) -> dict[str, str]:
    return {"LIBRETRANSLATE_URL": fake.base} | overrides


def quick_http() -> HttpClient:
    """Three tries per request that do not wait, half a second each (configured for the
    provider, so the adapter's suggested minute does not apply)."""
    http = fast_http(retries=2, timeout=0.5)
    http.configure(NAME, Policy(retries=2, backoff=0, timeout=0.5))
    return http


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    client = quick_http()
    yield client
    await client.close()


@pytest.fixture
def libre(fake: FakeLibreTranslate, http: HttpClient) -> LibreTranslate:
    return LibreTranslate(env(fake), http)


@pytest.fixture
def keyed(fake: FakeLibreTranslate, http: HttpClient) -> LibreTranslate:
    """A server that requires keys, and a client with the right one."""
    fake.api_keys, fake.require_key = {API_KEY}, True
    return LibreTranslate(env(fake, LIBRETRANSLATE_API_KEY=API_KEY), http)


# --------------------------------------------------------------------------- translating


async def test_translates_in_one_request(libre: LibreTranslate, fake: FakeLibreTranslate) -> None:
    assert await libre.translate(["手机壳", "保温杯", "钥匙扣"], "en") == [
        "phone case",
        "thermos",
        "[en] 钥匙扣",
    ]
    (call,) = fake.calls
    assert call.content_type == "application/json"
    assert call.body == {
        "q": ["手机壳", "保温杯", "钥匙扣"],
        "source": "zh",
        "target": "en",
        "format": "text",
    }


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("pt_BR", "pb"),
        ("pt-BR", "pb"),
        ("zh_Hant", "zt"),
        ("zh-TW", "zt"),
        ("zh_Hans", "zh"),
        ("zh", "zh"),
        ("en_GB", "en"),
        ("RU", "ru"),
        ("ja", "ja"),
    ],
)
async def test_target_language_codes(
    libre: LibreTranslate, fake: FakeLibreTranslate, ours: str, theirs: str
) -> None:
    assert await libre.translate(["钥匙扣"], ours) == [f"[{theirs}] 钥匙扣"]
    assert fake.calls[-1].body["target"] == theirs


def test_every_locale_has_its_code() -> None:
    assert {ours: language_code(ours) for ours in LOCALES} == LOCALES


@pytest.mark.parametrize("iso_codes", [True, False], ids=["since-1.7.2", "before-1.7.2"])
async def test_every_locale_is_accepted_by_old_and_new_servers(
    fake: FakeLibreTranslate, http: HttpClient, iso_codes: bool
) -> None:
    fake.iso_codes = iso_codes
    libre = LibreTranslate(env(fake), http)
    for ours, theirs in LOCALES.items():
        assert await libre.translate(["钥匙扣"], ours) == [f"[{theirs}] 钥匙扣"], ours
    assert await libre.translate(["手机壳"], "en", source="zh_Hant") == ["phone case"]


async def test_translates_into_the_targets_language(libre: LibreTranslate) -> None:
    assert await libre.translate(["手机壳", "帆布包"], "ru") == [
        "чехол для телефона",
        "холщовая сумка",
    ]
    assert await libre.translate(["手机壳", "保温杯"], "zh_Hant") == ["手機殼", "保溫杯"]
    assert await libre.translate(["手机壳"], "pt_BR") == ["capinha"]


async def test_source_is_mapped_or_detected(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    await libre.translate(["手机壳"], "en", source="zh_Hant")
    assert fake.calls[-1].body["source"] == "zt"

    assert await libre.translate(["手机壳"], "en", source=None) == ["phone case"]
    assert fake.calls[-1].body["source"] == "auto"  # the answer's detectedLanguage is ignored


async def test_order_is_kept_across_requests_of_50(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    titles = [f"商品{n}" for n in range(120)]

    translated = await libre.translate(titles, "de")

    assert translated == [f"[de] 商品{n}" for n in range(120)]
    assert [len(call.texts) for call in fake.calls] == [50, 50, 20]
    assert [text for call in fake.calls for text in call.texts] == titles


async def test_body_limit_splits_requests(libre: LibreTranslate, fake: FakeLibreTranslate) -> None:
    # 20,000 Chinese characters are 60,000 bytes of UTF-8: two fit in 128 KiB, three do not.
    titles = [str(n) + "长" * 20_000 for n in range(5)]

    translated = await libre.translate(titles, "en")

    assert translated == [f"[en] {title}" for title in titles]
    assert [len(call.texts) for call in fake.calls] == [2, 2, 1]
    assert all(call.size <= MAX_BODY for call in fake.calls)


def test_batches_fill_the_body_to_the_byte() -> None:
    envelope = {"q": [], "source": "zh", "target": "en", "format": "text", "api_key": API_KEY}
    overhead = len(encode(envelope))
    first = "茶" * 20_000
    # The rest of the budget: the first text, a comma and the second text's quotes.
    room = MAX_BODY - overhead - len(encode(first)) - 1 - 2
    fits, too_long = "a" * room, "a" * (room + 1)

    assert len(encode(envelope | {"q": [first, fits]})) == MAX_BODY
    assert list(batches([first, fits], overhead, NAME)) == [[0, 1]]
    assert list(batches([first, too_long], overhead, NAME)) == [[0], [1]]


async def test_the_api_key_counts_in_the_body_limit(
    keyed: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    titles = [str(n) + "长" * 20_000 for n in range(5)]
    await keyed.translate(titles, "en")
    assert all(call.size <= MAX_BODY for call in fake.calls)
    assert all(call.api_key == API_KEY for call in fake.calls)


async def test_a_text_too_long_for_any_request_is_refused_unsent(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    with pytest.raises(BadRequest, match="text 1 alone exceeds"):
        await libre.translate(["手机壳", "长" * 50_000], "en")
    assert fake.calls == []


async def test_empty_texts_are_not_sent(libre: LibreTranslate, fake: FakeLibreTranslate) -> None:
    assert await libre.translate(["", "手机壳", "", "保温杯"], "en") == [
        "",
        "phone case",
        "",
        "thermos",
    ]
    assert [call.texts for call in fake.calls] == [["手机壳", "保温杯"]]


async def test_nothing_to_translate_makes_no_request(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    assert await libre.translate([], "en") == []
    assert await libre.translate(["", ""], "en") == ["", ""]
    assert fake.calls == []


async def test_repeated_texts_are_sent_once(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    translated = await libre.translate(["保温杯", "手机壳", "保温杯", "保温杯"], "en")

    assert translated == ["thermos", "phone case", "thermos", "thermos"]
    assert [call.texts for call in fake.calls] == [["保温杯", "手机壳"]]


# --------------------------------------------------------------------------- API keys


async def test_no_key_is_sent_when_none_is_set(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    await libre.translate(["手机壳"], "en")
    assert "api_key" not in fake.calls[-1].body


async def test_the_key_is_sent_when_set(keyed: LibreTranslate, fake: FakeLibreTranslate) -> None:
    assert await keyed.translate(["手机壳"], "en") == ["phone case"]
    assert fake.calls[-1].api_key == API_KEY


async def test_a_server_without_keys_ignores_one(
    fake: FakeLibreTranslate, http: HttpClient
) -> None:
    libre = LibreTranslate(env(fake, LIBRETRANSLATE_API_KEY="any-key-at-all"), http)
    assert await libre.translate(["手机壳"], "en") == ["phone case"]


async def test_a_wrong_key_is_auth_failed_without_retry(
    fake: FakeLibreTranslate, http: HttpClient
) -> None:
    fake.api_keys = {API_KEY}
    wrong = "0f0e0d0c-aaaa-bbbb-cccc-123456789abc"
    with pytest.raises(AuthFailed) as caught:
        await LibreTranslate(env(fake, LIBRETRANSLATE_API_KEY=wrong), http).translate(
            ["手机壳"], "en"
        )
    assert caught.value.code == "403"
    assert "Invalid API key" in str(caught.value)
    assert len(fake.calls) == 1
    assert wrong not in f"{caught.value} {caught.value!r} {caught.value.raw}"


async def test_a_missing_key_where_one_is_required_is_a_bad_request(
    fake: FakeLibreTranslate, http: HttpClient
) -> None:
    # LibreTranslate answers a missing key with 400 (a wrong one with 403): the message says so.
    fake.api_keys, fake.require_key = {API_KEY}, True
    with pytest.raises(BadRequest) as caught:
        await LibreTranslate(env(fake), http).translate(["手机壳"], "en")
    assert caught.value.code == "400"
    assert "Please contact the server operator to get an API key" in str(caught.value)
    assert len(fake.calls) == 1


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize("env", [{}, {"LIBRETRANSLATE_URL": ""}])
def test_without_a_url_it_is_not_configured(env: dict[str, str]) -> None:
    with pytest.raises(NotConfigured) as caught:
        LibreTranslate(env | {"LIBRETRANSLATE_API_KEY": API_KEY}, HttpClient())
    assert caught.value.missing == ["LIBRETRANSLATE_URL"]
    assert (caught.value.provider, caught.value.code) == ("libretranslate", "not_configured")


@pytest.mark.parametrize(
    "url", ["libretranslate:5000", "ftp://lt.example", "http://", "/translate"]
)
def test_a_url_that_is_not_http_is_not_configured(url: str) -> None:
    with pytest.raises(NotConfigured, match=r"http:// or https://"):
        LibreTranslate({"LIBRETRANSLATE_URL": url}, HttpClient())


def test_the_url_is_the_base() -> None:
    libre = LibreTranslate({"LIBRETRANSLATE_URL": "http://lt.internal:5000/mt/"}, HttpClient())
    assert libre.base == "http://lt.internal:5000/mt"
    assert MANIFEST.credentials == ("LIBRETRANSLATE_URL",)
    assert MANIFEST.optional == ("LIBRETRANSLATE_API_KEY",)
    assert MANIFEST.api_base == ""


def test_a_long_timeout_is_suggested_not_imposed() -> None:
    http = HttpClient()
    LibreTranslate({"LIBRETRANSLATE_URL": "http://lt.internal:5000"}, http)
    assert http._state(NAME).policy == POLICY

    mine = Policy(timeout=5)
    http.configure(NAME, mine)
    LibreTranslate({"LIBRETRANSLATE_URL": "http://lt.internal:5000"}, http)
    assert http._state(NAME).policy == mine


# --------------------------------------------------------------------------- errors


async def test_unsupported_language_is_a_bad_request_without_retry(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    fake.languages.discard("pb")
    with pytest.raises(BadRequest) as caught:
        await libre.translate(["手机壳"], "pt_BR")
    assert caught.value.code == "400"
    assert "pb is not supported" in str(caught.value)
    assert len(fake.calls) == 1


async def test_a_text_over_the_char_limit_is_a_bad_request(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    fake.char_limit = 5
    with pytest.raises(BadRequest, match=r"request \(6\) exceeds text limit \(5\)"):
        await libre.translate(["手机壳", "六个字的标题"], "en")
    assert len(fake.calls) == 1


async def test_a_batch_limit_below_50_is_a_bad_request(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    fake.batch_limit = 10
    with pytest.raises(BadRequest, match=r"request \(11\) exceeds text limit \(10\)"):
        await libre.translate([f"商品{n}" for n in range(11)], "en")


async def test_banned_is_auth_failed(libre: LibreTranslate, fake: FakeLibreTranslate) -> None:
    fake.plan = ["banned"]
    with pytest.raises(AuthFailed, match="Too many request limits violations") as caught:
        await libre.translate(["手机壳"], "en")
    assert caught.value.code == "403"
    assert len(fake.calls) == 1


async def test_rate_limited_then_translated(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    assert await recovers(fake, ["429"], libre.translate(["手机壳"], "en")) == ["phone case"]


async def test_429_every_time_is_rate_limited(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    error = await fails_every_time(fake, "429", libre.translate(["手机壳"], "en"), RateLimited)
    assert error.code == "429"
    assert "Slowdown: 60 per 1 minute" in str(error)
    assert error.retry_after is None  # LibreTranslate sends no Retry-After


async def test_the_servers_request_limit_counts_texts(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    fake.req_limit = 60  # a batch costs one per text: 50, then 100, then refused
    with pytest.raises(RateLimited, match="Slowdown: 60 per 1 minute"):
        await libre.translate([f"商品{n}" for n in range(120)], "en")
    assert [len(call.texts) for call in fake.calls] == [50, 50, 20, 20, 20]


async def test_500_every_time_is_a_server_error(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    error = await fails_every_time(fake, "500", libre.translate(["手机壳"], "en"), ServerError)
    assert error.code == "500"
    assert "internal error" in str(error)


@pytest.mark.parametrize("step", ["500", "429", "garbage", "shapeless", "string", "short", "slow"])
async def test_a_failure_then_translated(
    libre: LibreTranslate, fake: FakeLibreTranslate, step: str
) -> None:
    fake.slow_seconds = 1.0  # longer than the client's timeout
    translated = await recovers(fake, [step], libre.translate(["手机壳", "保温杯"], "en"))
    assert translated == ["phone case", "thermos"]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("garbage", "answer is not JSON"),
        ("shapeless", "answer has no list of translations"),
        ("string", "answer has no list of translations"),
        ("short", "1 translations for 2 texts"),
    ],
)
async def test_a_wrong_answer_every_time_is_a_server_error(
    libre: LibreTranslate, fake: FakeLibreTranslate, step: str, message: str
) -> None:
    error = await fails_every_time(
        fake, step, libre.translate(["手机壳", "保温杯"], "en"), ServerError
    )
    assert message in str(error)


async def test_slow_every_time_times_out(libre: LibreTranslate, fake: FakeLibreTranslate) -> None:
    fake.slow_seconds = 1.0
    await fails_every_time(fake, "slow", libre.translate(["手机壳"], "en"), Timeout)


async def test_rejections_are_not_unavailable(
    libre: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    fake.languages.discard("zt")
    with pytest.raises(Rejected) as caught:
        await libre.translate(["手机壳"], "zh_Hant")
    assert not isinstance(caught.value, Unavailable)


# --------------------------------------------------------------------------- the key kept out


def _leaks(error: IntegrationError, records: list[logging.LogRecord]) -> list[str]:
    """Where the key (or its first 6 characters) shows: the error, its raw, the log."""
    texts = {
        "str": str(error),
        "repr": repr(error),
        "raw": json.dumps(error.raw, ensure_ascii=False, default=str),
    }
    texts |= {f"log {n}": record.getMessage() for n, record in enumerate(records)}
    return [where for where, text in texts.items() if API_KEY[:6] in text]


@pytest.mark.parametrize(
    ("step", "error", "said"),
    [
        ("echo", ServerError, "Cannot translate text: "),  # the key in a 500's error
        ("echo_page", ServerError, "answer is not JSON"),  # the key in a page
        ("429", RateLimited, "Slowdown"),
        ("500", ServerError, "internal error"),
        ("garbage", ServerError, "answer is not JSON"),
        ("shapeless", ServerError, "answer has no list"),
        ("short", ServerError, "0 translations for 1 texts"),
    ],
)
async def test_the_key_is_in_no_error_nor_log(
    keyed: LibreTranslate,
    fake: FakeLibreTranslate,
    caplog: pytest.LogCaptureFixture,
    step: str,
    error: type[IntegrationError],
    said: str,
) -> None:
    with caplog.at_level(logging.DEBUG):
        caught = await fails_every_time(fake, step, keyed.translate(["手机壳"], "en"), error)
    assert said in str(caught)
    assert all(call.api_key == API_KEY for call in fake.calls)  # it was sent each time
    assert any("retry" in record.getMessage() for record in caplog.records)
    assert _leaks(caught, caplog.records) == []


async def test_an_echoed_key_is_replaced(keyed: LibreTranslate, fake: FakeLibreTranslate) -> None:
    caught = await fails_every_time(fake, "echo", keyed.translate(["手机壳"], "en"), ServerError)
    assert '"api_key": "***"' in str(caught)
    assert '"q": ["手机壳"]' in str(caught)  # the rest of what the server said is kept


async def test_a_key_cut_short_in_a_long_error_is_replaced(
    keyed: LibreTranslate, fake: FakeLibreTranslate
) -> None:
    """HttpClient keeps 500 characters of an error body: a title long enough puts the cut in
    the middle of the echoed key, whose start must still go."""
    title = next(
        text
        for text in ("商" * n for n in range(1, 500))
        if _cut_in_key(_echoed_error({"q": [text], "source": "zh", "target": "en"}))
    )
    caught = await fails_every_time(fake, "echo", keyed.translate([title], "en"), ServerError)
    assert isinstance(caught.raw, str) and caught.raw.endswith("***")
    assert _leaks(caught, []) == []


def _echoed_error(body: dict[str, Any]) -> str:
    """The fake's "echo" error body for a request `body` (the adapter's, key last)."""
    request = json.dumps(body | {"format": "text", "api_key": API_KEY}, ensure_ascii=False)
    return json.dumps({"error": f"Cannot translate text: {request}"}, ensure_ascii=False)


def _cut_in_key(text: str) -> bool:
    start = text.index(API_KEY)
    return start + 6 <= 500 < start + len(API_KEY)


def test_hide() -> None:
    assert _hide(f"a {API_KEY} b {API_KEY}", API_KEY) == "a *** b ***"
    assert _hide(f"cut at {API_KEY[:9]}", API_KEY) == "cut at ***"
    assert _hide("nothing here", API_KEY) == "nothing here"
    assert _hide(f"no key set {API_KEY}", "") == f"no key set {API_KEY}"


# --------------------------------------------------------------------------- the fake itself


async def _post(fake: FakeLibreTranslate, http: HttpClient, body: Any, **kwargs: Any) -> Any:
    def parsed(response: Response) -> Any:
        return response.json(NAME)

    kwargs = {"json": body} | kwargs
    return await http.call(NAME, "POST", f"{fake.base}/translate", parse=parsed, **kwargs)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"source": "zh", "target": "en"}, "Invalid request: missing q parameter"),
        ({"q": [], "source": "zh", "target": "en"}, "Invalid request: missing q parameter"),
        ({"q": "a", "target": "en"}, "Invalid request: missing source parameter"),
        ({"q": "a", "source": "zh"}, "Invalid request: missing target parameter"),
        ({"q": "a", "source": "zh", "target": "xx"}, "xx is not supported"),
        ({"q": "a", "source": "pt-PT", "target": "en"}, "pt-pt is not supported"),
        (
            {"q": "a", "source": "zh", "target": "en", "format": "xml"},
            "xml format is not supported",
        ),
        (
            {"q": "a", "source": "zh", "target": "en", "alternatives": "many"},
            "Invalid request: alternatives parameter is not a number",
        ),
        (["a"], "Invalid JSON format"),
    ],
)
async def test_the_fake_refuses_what_libretranslate_refuses(
    fake: FakeLibreTranslate, http: HttpClient, body: Any, error: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await _post(fake, http, body)
    assert caught.value.code == "400"
    assert json.loads(caught.value.raw) == {"error": error}


async def test_the_fake_reads_a_form_without_a_json_content_type(
    fake: FakeLibreTranslate, http: HttpClient
) -> None:
    as_text = encode({"q": ["手机壳"], "source": "zh", "target": "en"})
    with pytest.raises(BadRequest, match="HTTP 400"):
        await _post(fake, http, None, json=None, data=as_text)
    form = {"q": "手机壳", "source": "zh", "target": "en"}
    assert await _post(fake, http, None, json=None, data=form) == {"translatedText": "phone case"}


async def test_the_fake_answers_a_string_for_a_string(
    fake: FakeLibreTranslate, http: HttpClient
) -> None:
    one = await _post(fake, http, {"q": "手机壳", "source": "zh", "target": "ru"})
    assert one == {"translatedText": "чехол для телефона"}
    many = await _post(fake, http, {"q": ["手机壳", "钥匙扣"], "source": "zh", "target": "ru"})
    assert many == {"translatedText": ["чехол для телефона", "[ru] 钥匙扣"]}


async def test_the_fake_detects_the_source(fake: FakeLibreTranslate, http: HttpClient) -> None:
    detected = {"confidence": 90.0, "language": "zh-Hans"}
    one = await _post(fake, http, {"q": "手机壳", "source": "auto", "target": "en"})
    assert one == {"translatedText": "phone case", "detectedLanguage": detected}
    many = await _post(fake, http, {"q": ["手机壳", "保温杯"], "source": "auto", "target": "en"})
    assert many["detectedLanguage"] == [detected, detected]


@pytest.mark.parametrize("code", ["zh-Hant", "ZH-HANT", "zt"])
async def test_the_fake_takes_iso_and_model_codes(
    fake: FakeLibreTranslate, http: HttpClient, code: str
) -> None:
    answer = await _post(fake, http, {"q": ["手机壳"], "source": "zh-Hans", "target": code})
    assert answer == {"translatedText": ["手機殼"]}


async def test_an_old_server_knows_only_model_codes(
    fake: FakeLibreTranslate, http: HttpClient
) -> None:
    fake.iso_codes = False
    with pytest.raises(BadRequest) as caught:
        await _post(fake, http, {"q": ["手机壳"], "source": "zh", "target": "zh-Hant"})
    assert json.loads(caught.value.raw) == {"error": "zh-hant is not supported"}


@pytest.mark.parametrize(
    ("iso_codes", "codes"),
    [(True, {"zh-Hans", "zh-Hant", "pt-BR", "pt"}), (False, {"zh", "zt", "pb", "pt"})],
)
async def test_the_fake_lists_its_languages(
    fake: FakeLibreTranslate, http: HttpClient, iso_codes: bool, codes: set[str]
) -> None:
    fake.iso_codes = iso_codes

    def parsed(response: Response) -> Any:
        return response.json(NAME)

    languages = await http.call(NAME, "GET", f"{fake.base}/languages", parse=parsed)
    listed = {language["code"] for language in languages}
    assert codes <= listed
    assert len(listed) == 16
    chinese = next(language for language in languages if language["name"] == "Chinese")
    assert chinese["code"] not in chinese["targets"]
    assert set(chinese["targets"]) == listed - {chinese["code"]}
    assert fake.calls == []  # only translate requests are recorded
