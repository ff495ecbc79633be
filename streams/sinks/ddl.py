"""The ClickHouse schema: the statements of `deploy/clickhouse/*.sql`, applied in file-name
order. The same files initialise a ClickHouse server's Docker image, so they stay plain SQL;
every statement is idempotent and ends with ';' at the end of a line, and comments are whole
lines starting with '--' (which is all this splitter understands)."""

from __future__ import annotations

from pathlib import Path

from streams.sinks.client import ClickHouseClient

__all__ = ["DDL_DIR", "apply_schema", "statements"]

DDL_DIR = Path(__file__).resolve().parents[2] / "deploy" / "clickhouse"


def statements(ddl_dir: Path = DDL_DIR) -> list[str]:
    """Every statement of the *.sql files in `ddl_dir`, in order, without comments."""
    files = sorted(ddl_dir.glob("*.sql"))
    if not files:
        raise FileNotFoundError(f"no ClickHouse DDL (*.sql) in {ddl_dir}")
    found: list[str] = []
    for path in files:
        current: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("--"):
                continue
            current.append(line)
            if line.rstrip().endswith(";"):
                found.append("\n".join(current).strip().removesuffix(";"))
                current = []
        if "".join(current).strip():
            raise ValueError(f"{path}: the last statement does not end with ';'")
    return found


def apply_schema(client: ClickHouseClient, ddl_dir: Path = DDL_DIR) -> int:
    """Creates the database, tables and views that are missing (views are replaced, so a
    changed definition takes effect); returns how many statements ran."""
    found = statements(ddl_dir)
    for statement in found:
        client.command(statement)
    return len(found)
