"""What a sanctions list holds and what screening a name returns: plain data shared by the
loaders, the index and the AML rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["EntryKind", "ListEntry", "ListName", "Match"]

ListName = Literal["ofac_sdn", "ofac_cons", "un"]
EntryKind = Literal["individual", "entity", "vessel", "aircraft"]


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One listed party: its id on its list, its names as published and where it is."""

    entry_id: str
    """OFAC `ent_num` or UN `REFERENCE_NUMBER` (e.g. `QDi.001`)."""
    list_name: ListName
    kind: EntryKind
    name: str
    """The primary name as published (OFAC individuals: `LAST, First`)."""
    aliases: tuple[str, ...] = ()
    """a.k.a., f.k.a. and n.k.a. names, as published."""
    programs: tuple[str, ...] = ()
    """OFAC programs (`SDGT`, `IRAN`, ...) or the UN list (`Al-Qaida`, `DPRK`, ...)."""
    countries: tuple[str, ...] = ()
    """Country names from addresses and nationalities, as published."""


@dataclass(frozen=True, slots=True)
class Match:
    """A listed name that a screened name resembles."""

    entry_id: str
    list_name: ListName
    matched_name: str
    """The primary name or alias that scored highest, as published."""
    alias: bool
    """Whether `matched_name` is an alias rather than the primary name."""
    score: float
    """Similarity in [0, 100] of the normalised names."""
    programs: tuple[str, ...]
    primary_name: str
