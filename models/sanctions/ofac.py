"""OFAC's legacy CSV files: the SDN list (`sdn.csv`, `alt.csv`, `add.csv`) and the non-SDN
consolidated list (`cons_prim.csv`, `cons_alt.csv`, `cons_add.csv`), as Treasury publishes them.

The layout (no header row, Latin-1, `-0-` for an empty field, a DOS end-of-file byte `\\x1a`
after the last row) is described at https://ofac.treasury.gov/specially-designated-nationals-list-data-formats-data-schemas.
Remarks carry further `a.k.a. 'NAME'` aliases, which the primary-only downloads have nowhere
else, so they are read too.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from models.sanctions.entry import EntryKind, ListEntry, ListName

__all__ = ["load_ofac_dir", "read_ofac_csv"]

# (list, primary file, aliases file, addresses file) in one download folder.
_FILE_SETS: tuple[tuple[ListName, str, str, str], ...] = (
    ("ofac_sdn", "sdn.csv", "alt.csv", "add.csv"),
    ("ofac_cons", "cons_prim.csv", "cons_alt.csv", "cons_add.csv"),
)
_KINDS: dict[str, EntryKind] = {
    "individual": "individual",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_REMARK_AKA = re.compile(r"a\.k\.a\. '([^']+)'")


def _field(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def read_ofac_csv(path: Path) -> Iterator[list[str]]:
    """The rows of one OFAC CSV file, `-0-` as empty strings, without the end-of-file row."""
    with path.open(encoding="latin-1", newline="") as f:
        for row in csv.reader(f):
            if not row or row == ["\x1a"] or not row[0].strip():
                continue
            yield [_field(v) for v in row]


def _load_set(
    directory: Path, list_name: ListName, primary: str, alt: str, add: str
) -> list[ListEntry]:
    aliases: defaultdict[str, list[str]] = defaultdict(list)
    if (directory / alt).exists():
        for row in read_ofac_csv(directory / alt):
            if len(row) >= 4 and row[3]:
                aliases[row[0]].append(row[3])
    countries: defaultdict[str, list[str]] = defaultdict(list)
    if (directory / add).exists():
        for row in read_ofac_csv(directory / add):
            if len(row) >= 5 and row[4] and row[4] not in countries[row[0]]:
                countries[row[0]].append(row[4])
    entries = []
    for row in read_ofac_csv(directory / primary):
        ent_num, name, kind, programs = row[0], row[1], row[2], row[3]
        remarks = row[11] if len(row) > 11 else ""
        names = aliases[ent_num]
        names += [a for a in _REMARK_AKA.findall(remarks) if a not in names]
        entries.append(
            ListEntry(
                entry_id=ent_num,
                list_name=list_name,
                kind=_KINDS.get(kind, "entity"),
                name=name,
                aliases=tuple(names),
                programs=tuple(p for p in programs.split("] [") if p),
                countries=tuple(countries[ent_num]),
            )
        )
    return entries


def load_ofac_dir(directory: Path) -> list[ListEntry]:
    """Every entry of the OFAC lists found in one download folder: the SDN list if `sdn.csv`
    is there, the consolidated list if `cons_prim.csv` is; aliases and addresses when their
    files are next to it.

    Raises `FileNotFoundError` when the folder holds neither list.
    """
    entries: list[ListEntry] = []
    found = False
    for list_name, primary, alt, add in _FILE_SETS:
        if (directory / primary).exists():
            found = True
            entries += _load_set(directory, list_name, primary, alt, add)
    if not found:
        raise FileNotFoundError(f"no sdn.csv or cons_prim.csv in {directory}")
    return entries
