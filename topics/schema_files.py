"""The JSON Schema files in `topics/json/`, generated from the models of `topics.schemas` for
producers in other languages: `qrstream topics schemas` writes them and `--check` (and a unit
test) fails when the committed files differ from what the models generate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from topics.examples import EXAMPLES
from topics.schemas import MESSAGE_MODELS

__all__ = [
    "JSON_SCHEMA_DIALECT",
    "SCHEMA_DIR",
    "render_schemas",
    "schema_document",
    "schema_id",
    "stale_schema_files",
    "write_schema_files",
]

SCHEMA_DIR = Path(__file__).resolve().parent / "json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SUFFIX = ".schema.json"


def schema_id(name: str, version: int) -> str:
    # A URN rather than a URL: nothing is served at an address, and none is claimed.
    return f"urn:qrstream:schema:{name}:v{version}"


def schema_document(name: str) -> dict[str, Any]:
    """The JSON Schema of one message, with its identity, version and examples."""
    model = MESSAGE_MODELS[name]
    version = model.model_fields["schema_version"].default
    body = _unwrap_descriptions(model.model_json_schema(mode="validation"))
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": schema_id(name, version),
        "title": body.pop("title"),
        "version": version,
        **body,
        "examples": EXAMPLES[name],
    }


def _unwrap_descriptions(node: Any) -> Any:
    """Docstrings become descriptions with their source line breaks; join them into one line
    per paragraph so other tools show them as text."""
    if isinstance(node, dict):
        return {
            key: (
                "\n\n".join(" ".join(p.split()) for p in value.split("\n\n"))
                if key == "description" and isinstance(value, str)
                else _unwrap_descriptions(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_unwrap_descriptions(item) for item in node]
    return node


def render_schemas() -> dict[str, str]:
    """File name -> text of every schema file, as committed; keys stay in the models' field
    order, the order a reader expects."""
    return {
        f"{name}{_SUFFIX}": json.dumps(schema_document(name), indent=2, ensure_ascii=False) + "\n"
        for name in MESSAGE_MODELS
    }


def stale_schema_files(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files in `directory` that are missing, differ from the models, or
    belong to no model; empty when the directory is up to date."""
    wanted = render_schemas()
    stale = [
        name
        for name, text in wanted.items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != text
    ]
    extra = [p.name for p in directory.glob(f"*{_SUFFIX}") if p.name not in wanted]
    return sorted(stale + extra)


def write_schema_files(directory: Path = SCHEMA_DIR) -> list[str]:
    """Write every schema file whose text changed, remove files of no model, and return the
    names of the files written or removed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = stale_schema_files(directory)
    wanted = render_schemas()
    for name in changed:
        path = directory / name
        if name in wanted:
            path.write_text(wanted[name], encoding="utf-8")
        else:
            path.unlink()
    return changed
