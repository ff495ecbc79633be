"""The UN Security Council Consolidated List in its published XML (schema sc-sanctions.xsd,
https://scsanctions.un.org/resources/xml/en/consolidated.xml)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from models.sanctions.entry import EntryKind, ListEntry

__all__ = ["load_un_xml"]

_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _text(element: ET.Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _entry(element: ET.Element, kind: EntryKind) -> ListEntry | None:
    name = " ".join(p for p in (_text(element.find(tag)) for tag in _NAME_PARTS) if p)
    if not name:
        return None
    tag = "INDIVIDUAL" if kind == "individual" else "ENTITY"
    aliases = []
    for alias in element.iterfind(f"{tag}_ALIAS/ALIAS_NAME"):
        text = _text(alias)
        if text and text != name and text not in aliases:
            aliases.append(text)
    countries = []
    for path in ("NATIONALITY/VALUE", f"{tag}_ADDRESS/COUNTRY"):
        for c in element.iterfind(path):
            text = _text(c)
            if text and text not in countries:
                countries.append(text)
    list_type = _text(element.find("UN_LIST_TYPE"))
    return ListEntry(
        entry_id=_text(element.find("REFERENCE_NUMBER")) or _text(element.find("DATAID")),
        list_name="un",
        kind=kind,
        name=name,
        aliases=tuple(aliases),
        programs=(list_type,) if list_type else (),
        countries=tuple(countries),
    )


def load_un_xml(path: Path) -> list[ListEntry]:
    """Every individual and entity of the consolidated list, with its aliases (of any
    quality), the UN list it is on as its program, and its nationality and address
    countries."""
    root = ET.parse(path).getroot()  # noqa: S314 (see the import)
    found = [
        *(_entry(e, "individual") for e in root.iterfind("INDIVIDUALS/INDIVIDUAL")),
        *(_entry(e, "entity") for e in root.iterfind("ENTITIES/ENTITY")),
    ]
    entries = [e for e in found if e is not None]
    return entries
