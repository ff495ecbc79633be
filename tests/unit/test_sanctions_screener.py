"""Normalisation, blocking and matching of names against the shared lists; recall on seeded
variants of the full SDN list (a quality assertion, never a timing one)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from bench.name_variants import KINDS, variants
from bench.sanctions import clean_names
from models.sanctions import (
    BlockingIndex,
    ListEntry,
    SanctionsScreener,
    Scorer,
    load_ofac_dir,
    load_un_xml,
    normalize,
    tokens,
)


@pytest.fixture(scope="module")
def lists(shared_dir: Path) -> Path:
    return shared_dir / "data" / "sanctions"


@pytest.fixture(scope="module")
def tiny(lists: Path) -> SanctionsScreener:
    return SanctionsScreener(load_ofac_dir(lists / "ofac-sdn-tiny"))


@pytest.fixture(scope="module")
def full_sdn(lists: Path) -> list[ListEntry]:
    return load_ofac_dir(lists / "ofac-sdn-full-2021-07")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dr. Jürgen MÜLLER", "jurgen muler"),
        ("MÜLLER, Jürgen", "jurgen muler"),  # order and the comma do not matter
        ("O'Brien & Sons Ltd.", "obrien sons"),
        ("SUEX OTC, S.R.O.", "otk sueks"),
        ("Дмитрий Хорошев", "dmitri horoshev"),  # Cyrillic, transliterated
        ("KHOROSHEV, Dmitriy", "dmitri horoshev"),  # kh/h, y/i, doubled letters fold
        ("Αλέξανδρος Παπαδόπουλος", "aleksandros papadopoilos"),  # Greek
        ("محمد", "mhmd"),  # Arabic letters without their short vowels
        ("BEL-KAP-STEEL LLC", "bel kap stil"),
        ("Nova Trading GmbH & Co. KG", "nova trading"),
        ("LLC", "lk"),  # only a legal form: kept rather than nothing
        ("  ", ""),
    ],
)
def test_normalize(name: str, expected: str) -> None:
    assert normalize(name) == expected


def test_tokens_keep_written_order() -> None:
    assert tokens("LOGAN MOREY, Elvis Angus") == ["logan", "morei", "elvis", "angus"]


def test_blocking_finds_tokens_one_edit_away() -> None:
    index = BlockingIndex([["khoroshev", "dmitrii"], ["moreno", "daniel"], ["frunze"]])
    assert index.candidates(["khoroshov"]) == [0]  # substitution
    assert index.candidates(["khorshev"]) == [0]  # deletion
    assert index.candidates(["khoroshevv"]) == [0]  # insertion
    assert index.candidates(["fruzne"]) == [2]  # adjacent transposition
    assert index.candidates(["frunzeeee"]) == []


def test_blocking_common_tokens_only_narrow(full_sdn: list[ListEntry]) -> None:
    names = [tokens(e.name) for e in full_sdn]
    index = BlockingIndex(names, max_postings=200)
    alone = index.candidates(["muhamad"])  # common: then only names that have it
    assert len(alone) > 200
    # One deletion from each side: at most two edits apart.
    assert all(min(Levenshtein.distance(t, "muhamad") for t in names[i]) <= 2 for i in alone)
    # With a selective token, the common one no longer widens the search.
    assert index.candidates(["muhamad", "zagaria"]) == index.candidates(["zagaria"]) != []


@pytest.mark.parametrize(
    ("query", "entry_id", "matched"),
    [
        ("Дмитрий Юрьевич Хорошев", "48603", None),
        ("KHOROSHEV Dmitrii Yurievich", "48603", None),
        ("Iran Aircraft Manufacturing Industrial Co.", "11195", None),
        ("HESA Trade Centre", "11195", "HESA TRADE CENTER"),
        ("Elvis Angus Logan-Morey", "10278", "LOGAN MOREY, Elvis Angus"),
        ("Burton Burgess", "10278", "BURTON BURGESS"),
        ("Artem Mikhailovich Lifshitz", "29702", "LIFSHITS, Artem Mikhaylovich"),
        ("SUEX OTC s.r.o.", "33151", "SUEX OTC, S.R.O."),
        ("Iris Makran", "40716", "IRIS MAKRAN"),
    ],
)
def test_screen_finds_variants(
    tiny: SanctionsScreener, query: str, entry_id: str, matched: str | None
) -> None:
    matches = tiny.screen(query)
    assert matches, query
    assert matches[0].entry_id == entry_id
    assert matches[0].list_name == "ofac_sdn"
    assert matches[0].score >= tiny.threshold
    if matched is not None:
        assert matches[0].matched_name == matched
        assert matches[0].alias == (matched != matches[0].primary_name)


@pytest.mark.parametrize(
    "query", ["Anna Schmidt", "Atlas Logistics GmbH", "Dmitry Petrov", "Iran", "", "LLC"]
)
def test_screen_misses_clean_names(tiny: SanctionsScreener, query: str) -> None:
    assert tiny.screen(query) == []


def test_screen_needs_most_of_the_name(tiny: SanctionsScreener) -> None:
    # A known limit of token_sort_ratio: without the patronymic, too much of the name is
    # missing (token_set_ratio would match it, at the cost of many more false positives).
    assert tiny.screen("Dmitry Khoroshev") == []


def test_screen_reports_one_match_per_party_best_first(tiny: SanctionsScreener) -> None:
    matches = tiny.screen("Iran Aircraft Manufacturing Company")
    assert [m.entry_id for m in matches] == ["11195"]
    assert matches[0].score == 100.0
    assert matches[0].alias
    assert matches[0].programs == ("NPWMD", "IFSR", "IRAN-CON-ARMS-EO")


def test_screen_un_list(lists: Path) -> None:
    screener = SanctionsScreener(load_un_xml(lists / "un-consolidated" / "UN_consolidated.xml"))
    (match,) = screener.screen("Allied Democratic Forces")
    assert (match.list_name, match.entry_id, match.primary_name) == ("un", "CDe.001", "ADF")
    assert screener.screen("Erik Badege")[0].entry_id == "CDi.001"


@pytest.mark.parametrize("scorer", ["token_set_ratio", "WRatio"])
def test_other_scorers(lists: Path, scorer: Scorer) -> None:
    screener = SanctionsScreener(load_ofac_dir(lists / "ofac-sdn-tiny"), scorer=scorer)
    assert screener.screen("Dmitry Yuryevich Khoroshev")[0].entry_id == "48603"


def test_recall_on_full_sdn_variants(full_sdn: list[ListEntry]) -> None:
    screener = SanctionsScreener(full_sdn)
    sample = variants(full_sdn, 800, seed=11)
    assert Counter(v.kind for v in sample) == dict.fromkeys(KINDS, 100)
    found = [any(m.entry_id == v.entry_id for m in screener.screen(v.name)) for v in sample]
    assert sum(found) / len(found) >= 0.95
    flagged = sum(bool(screener.screen(n)) for n in clean_names(800, seed=11))
    assert flagged / 800 <= 0.02
