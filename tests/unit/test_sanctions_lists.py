"""The OFAC CSV and UN XML loaders on the shared lists in their published formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.sanctions import SanctionsConfig, load_entries, load_ofac_dir, load_un_xml
from models.sanctions.ofac import read_ofac_csv


@pytest.fixture(scope="module")
def lists(shared_dir: Path) -> Path:
    return shared_dir / "data" / "sanctions"


def test_ofac_tiny_sdn(lists: Path) -> None:
    entries = {e.entry_id: e for e in load_ofac_dir(lists / "ofac-sdn-tiny")}
    assert len(entries) == 17
    assert {e.list_name for e in entries.values()} == {"ofac_sdn"}
    iran = entries["11195"]
    assert iran.kind == "entity"  # SDN_Type -0-
    assert iran.name == "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"
    assert iran.programs == ("NPWMD", "IFSR", "IRAN-CON-ARMS-EO")
    assert iran.countries == ("Iran",)
    # alt.csv first, then the a.k.a.s of the remarks that alt.csv lacks.
    assert iran.aliases[:4] == (
        "HESA TRADE CENTER",
        "IRAN AIRCRAFT MANUFACTURING INDUSTRIES",
        "IRAN AIRCRAFT MANUFACTURING COMPANY",
        "KARKHANEJATE SANAYE HAVAPAYMAIE IRAN",
    )
    assert "HESA" in iran.aliases
    khoroshev = entries["48603"]
    assert khoroshev.kind == "individual"
    assert "KHOROSHEV, Dmitriy Yurevich" in khoroshev.aliases
    assert entries["40716"].kind == "vessel"
    assert entries["48727"].kind == "aircraft"
    assert entries["20540"].countries == ()  # its add.csv row is all -0-
    assert sorted({c for e in entries.values() for c in e.countries})[:3] == [
        "Belize",
        "Czech Republic",
        "Iran",
    ]


def test_ofac_csv_empty_fields_and_end_of_file_byte(lists: Path) -> None:
    rows = list(read_ofac_csv(lists / "ofac-sdn-full-2021-07" / "sdn.csv"))
    assert len(rows) == 8976  # the trailing \x1a row is not one
    assert not any(field.strip() == "-0-" for row in rows for field in row)
    assert sum(row[2] == "" for row in rows) == 3673  # entities: SDN_Type -0-
    assert rows[0][0].isdigit()


def test_ofac_full_and_consolidated(lists: Path) -> None:
    full = load_ofac_dir(lists / "ofac-sdn-full-2021-07")
    assert len(full) == 8976
    assert sum(e.kind == "individual" for e in full) == 4620
    # 11,911 alt.csv rows plus the remarks' a.k.a.s that alt.csv does not spell the same.
    assert sum(len(e.aliases) for e in full) >= 11_911
    cons = load_ofac_dir(lists / "ofac-non-sdn-consolidated")
    assert len(cons) == 442
    assert {e.list_name for e in cons} == {"ofac_cons"}
    assert cons[0].entry_id == "9639"
    assert cons[0].aliases[:2] == ("HANIYA, Ismail", "HANIYYA, Ismaeel")


def test_ofac_folder_without_a_list(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no sdn\.csv or cons_prim\.csv"):
        load_ofac_dir(tmp_path)


def test_un_consolidated_xml(lists: Path) -> None:
    entries = load_un_xml(lists / "un-consolidated" / "UN_consolidated.xml")
    assert len(entries) == 1003
    assert sum(e.kind == "individual" for e in entries) == 730
    assert {e.list_name for e in entries} == {"un"}
    by_id = {e.entry_id: e for e in entries}
    badege = by_id["CDi.001"]
    assert badege.name == "ERIC BADEGE"  # FIRST_NAME SECOND_NAME
    assert badege.aliases == ()  # an empty ALIAS_NAME element is no alias
    assert badege.programs == ("DRC",)
    assert badege.countries == ("Democratic Republic of the Congo", "Rwanda")
    adf = by_id["CDe.001"]
    assert adf.kind == "entity"
    assert adf.aliases[:2] == (
        "Allied Democratic Forces",
        "Forces Démocratiques Alliées-Armée Nationale de Libération de l\u2019Ouganda",
    )
    assert sum(len(e.aliases) for e in entries) == 2741


def test_config_loads_every_list(lists: Path) -> None:
    config = SanctionsConfig(
        ofac_dirs=(lists / "ofac-sdn-tiny", lists / "ofac-non-sdn-consolidated"),
        un_xml=(lists / "un-consolidated" / "UN_consolidated.xml",),
    )
    assert len(load_entries(config)) == 17 + 442 + 1003


def test_config_needs_an_existing_list(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one list"):
        SanctionsConfig()
    with pytest.raises(ValueError, match="does not point to a directory"):
        SanctionsConfig(ofac_dirs=(tmp_path / "missing",))
