from bot.search.gloss import gloss


def test_titles_are_rendered_in_the_shoppers_words() -> None:
    assert gloss("加绒卫衣女冬季宽松连帽上衣", "en") == "Fleece hoodie winter loose hooded top"
    assert gloss("不锈钢保温杯大容量便携", "en") == "Stainless steel thermos big capacity portable"
    assert gloss("不锈钢保温杯", "ru") == "Нержавейка термос"


def test_latin_and_numbers_pass_through_and_ambiguous_single_characters_do_not() -> None:
    assert gloss("iPhone 15 Pro 钢化膜", "en") == "IPhone 15 Pro tempered glass"
    assert "bag" not in (gloss("全包软壳手机壳", "en") or "")  # 包 inside 全包 is not a bag


def test_nothing_useful_gives_none() -> None:
    assert gloss("无品牌", "en") is None
    assert gloss("手机壳", "zh") is None  # Chinese readers get the original
    assert gloss("", "en") is None


def test_of_two_spellings_as_short_the_accented_one_is_shown() -> None:
    assert gloss("裤子", "es") == "Pantalón"  # the dictionary also knows "pantalon"
    assert gloss("文具", "es") == "Papelería"


def test_titles_read_in_every_language_of_the_dictionary() -> None:
    for language, word in [("ja", "ワンピース"), ("ko", "원피스"), ("vi", "đầm"), ("th", "เดรส"),
                           ("ar", "فستان"), ("de", "kleid"), ("id", "dress")]:  # fmt: skip
        assert word in (gloss("女装 连衣裙", language) or "").lower(), language


def test_latin_letters_glued_to_a_chinese_term_are_part_of_it() -> None:
    assert gloss("纯棉T恤女", "en") == "Cotton tee"  # T恤, not "T" and an unknown 恤
    assert gloss("Apple手机壳", "en") == "Apple case"  # no term starts with "Apple": a word
