"""Both languages are complete: the same message ids, the same placeholders, no empty text."""

from __future__ import annotations

import pytest

from auditor.i18n import LANGS, MESSAGES_DIR, MessageMissing, catalogue, default_lang, placeholders, t


def test_every_domain_has_both_languages() -> None:
    domains = {f.name.rsplit(".", 2)[0] for f in MESSAGES_DIR.glob("*.yaml")}
    for d in domains:
        for lang in LANGS:
            assert (MESSAGES_DIR / f"{d}.{lang}.yaml").is_file(), f"{d} has no {lang} catalogue"


def test_same_ids_and_placeholders_in_every_language() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert sorted(set(zh) ^ set(en)) == []
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_missing_message_is_an_error() -> None:
    with pytest.raises(MessageMissing):
        t("en", "no.such.message")


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),  # LC_ALL wins
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL=C is not Chinese
        ({}, "en"),
    ],
)
def test_default_language_follows_the_locale(env: dict[str, str], lang: str) -> None:
    assert default_lang(env) == lang


def test_the_cli_offers_exactly_the_catalogue_languages() -> None:
    from auditor.cli.app import Lang

    assert [lang.value for lang in Lang] == list(LANGS)
