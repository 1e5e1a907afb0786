"""Reading country, city and reasons out of what a model wrote."""

from __future__ import annotations

from georeasoner.reasoner.parse import parse_answer


def spanned(text, span):
    return text[span[0] : span[1]]


def test_json_in_code_fence_with_trailing_comma_is_read():
    text = '```json\n{"country": "France", "city": "Paris", "reasons": "Haussmann facades",}\n```'
    answer = parse_answer(text)
    assert (answer.country, answer.city, answer.reasons, answer.abstained) == (
        "France", "Paris", "Haussmann facades", False
    )


def test_spans_locate_the_values_in_the_text():
    text = '{"country": "Japan", "city": "Osaka", "reasons": "kanji signs"}'
    answer = parse_answer(text)
    assert spanned(text, answer.country_span) == "Japan"
    assert spanned(text, answer.city_span) == "Osaka"


def test_single_quotes_and_prose_around_the_object_are_tolerated():
    text = "Sure! Here it is: {'country': 'Brazil', 'city': 'Recife', 'reason': 'Portuguese signs'} Hope it helps."
    answer = parse_answer(text)
    assert (answer.country, answer.city, answer.reasons) == ("Brazil", "Recife", "Portuguese signs")


def test_missing_fields_are_none_without_abstaining():
    answer = parse_answer('{"country": "Kenya"}')
    assert (answer.country, answer.city, answer.reasons, answer.abstained) == ("Kenya", None, None, False)


def test_escaped_characters_in_values_are_decoded():
    assert parse_answer('{"country": "C\\u00f4te d\'Ivoire", "city": "Abidjan"}').country == "Côte d'Ivoire"


def test_plain_city_comma_country_text_is_read():
    text = "The photo was taken in Lyon, France."
    answer = parse_answer(text)
    assert (answer.city, answer.country) == ("Lyon", "France")
    assert spanned(text, answer.city_span) == "Lyon"


def test_refusal_is_an_abstention_with_the_refusal_as_reason():
    text = "I'm sorry, I cannot determine where this photo was taken."
    answer = parse_answer(text)
    assert answer.abstained and answer.country is None and answer.city is None
    assert answer.reasons == text


def test_unknown_values_are_an_abstention_keeping_the_models_reason():
    answer = parse_answer('{"country": null, "city": "Unknown", "reasons": "unknown: only a blank wall"}')
    assert answer.abstained
    assert answer.reasons == "unknown: only a blank wall"


def test_bare_unknown_is_an_abstention():
    answer = parse_answer("Unknown.")
    assert answer.abstained and answer.reasons == "Unknown."


def test_gibberish_is_an_abstention_not_a_place():
    assert parse_answer("qzx tokyo 12 ))").abstained


def test_unquoted_values_are_read_with_their_spans():
    text = "{country: Peru, city:  Lima }"
    answer = parse_answer(text)
    assert (answer.country, answer.city) == ("Peru", "Lima")
    assert spanned(text, answer.city_span) == "Lima"
