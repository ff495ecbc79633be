"""Sanctions screening: OFAC and UN list loaders, name normalisation, a blocking index and a
rapidfuzz matcher.

    screener = load_screener(SanctionsConfig(ofac_dirs=(Path("lists/ofac"),)))
    for match in screener.screen("Viktor Anatolyevich Bout"):
        print(match.list_name, match.entry_id, match.matched_name, match.score)

The AML rule `sanctions_match` (models.aml.sanctions) screens account holders' names with it.
"""

from __future__ import annotations

from models.sanctions.config import SanctionsConfig, load_entries, load_screener
from models.sanctions.entry import EntryKind, ListEntry, ListName, Match
from models.sanctions.index import BlockingIndex
from models.sanctions.normalize import STOP_WORDS, normalize, skeleton, tokens
from models.sanctions.ofac import load_ofac_dir, read_ofac_csv
from models.sanctions.screener import SCORERS, SanctionsScreener, Scorer
from models.sanctions.un import load_un_xml

__all__ = [
    "SCORERS",
    "STOP_WORDS",
    "BlockingIndex",
    "EntryKind",
    "ListEntry",
    "ListName",
    "Match",
    "SanctionsConfig",
    "SanctionsScreener",
    "Scorer",
    "load_entries",
    "load_ofac_dir",
    "load_screener",
    "load_un_xml",
    "normalize",
    "read_ofac_csv",
    "skeleton",
    "tokens",
]
