"""The ground truth of a loadgen run: its JSON-lines file names each injected scenario (and
event) with the entity and typology that should alert."""

from __future__ import annotations

from pathlib import Path

import orjson

from streams.errors import ConfigError

__all__ = ["load_truth"]


def load_truth(path: Path) -> set[tuple[str, str]]:
    """The (entity, typology) pairs of the file; lines without an entity are skipped. When the
    file has `scenario` lines (loadgen's), only they count: event lines also name the entity
    of a scenario that the end of the run cut short, which no detector could complete."""
    pairs: set[tuple[str, str]] = set()
    scenarios: set[tuple[str, str]] = set()
    try:
        lines = path.read_bytes().splitlines()
    except OSError as err:
        raise ConfigError(f"cannot read the ground truth {path}: {err.strerror}") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            entity, typology = item.get("entity"), item["typology"]
        except (orjson.JSONDecodeError, KeyError, AttributeError) as err:
            raise ConfigError(f"{path}:{number}: not a ground-truth line ({err})") from err
        if entity:
            pairs.add((str(entity), str(typology)))
            if item.get("record") == "scenario":
                scenarios.add((str(entity), str(typology)))
    return scenarios or pairs
