"""Which lists to screen against and how strictly, and the screener built from them once per
process."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, DirectoryPath, Field, FilePath, model_validator

from models.sanctions.entry import ListEntry
from models.sanctions.ofac import load_ofac_dir
from models.sanctions.screener import SanctionsScreener, Scorer
from models.sanctions.un import load_un_xml

__all__ = ["SanctionsConfig", "load_entries", "load_screener"]


class SanctionsConfig(BaseModel):
    """The lists (at least one) and the matcher settings."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True
    )

    ofac_dirs: tuple[DirectoryPath, ...] = ()
    """OFAC download folders, each with `sdn.csv` (+ `alt.csv`, `add.csv`) and/or
    `cons_prim.csv` (+ `cons_alt.csv`, `cons_add.csv`)."""
    un_xml: tuple[FilePath, ...] = ()
    """UN Security Council consolidated list files (consolidated.xml)."""
    threshold: Annotated[float, Field(ge=50.0, le=100.0)] = 88.0
    """Lowest similarity (0-100) of the normalised names reported as a match."""
    scorer: Scorer = "token_sort_ratio"
    """The rapidfuzz similarity (models.sanctions.screener)."""
    max_postings: Annotated[int, Field(ge=1)] = 200
    """Tokens in more listed names than this only narrow a search down (BlockingIndex)."""
    cache_size: Annotated[int, Field(ge=0)] = 65_536
    """Screened names remembered by the AML rule: an account's name comes with every one of
    its transactions."""

    @model_validator(mode="after")
    def _some_list(self) -> Self:
        if not self.ofac_dirs and not self.un_xml:
            raise ValueError("configure at least one list: an OFAC folder or a UN XML file")
        return self


def load_entries(config: SanctionsConfig) -> list[ListEntry]:
    """Every entry of the configured lists."""
    entries: list[ListEntry] = []
    for directory in config.ofac_dirs:
        entries += load_ofac_dir(directory)
    for path in config.un_xml:
        entries += load_un_xml(path)
    return entries


@lru_cache(maxsize=4)
def load_screener(config: SanctionsConfig) -> SanctionsScreener:
    """The screener of a configuration, loaded once: the AML rules of a worker and its tests
    share it rather than re-reading the lists."""
    return SanctionsScreener(
        load_entries(config),
        threshold=config.threshold,
        scorer=config.scorer,
        max_postings=config.max_postings,
    )
