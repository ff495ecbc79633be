from __future__ import annotations

import pytest

from bench.crypto import (
    CRYPTOGRAPHY,
    IMPLEMENTATIONS,
    LIBOQS,
    NATIVE_1T,
    NATIVE_ALL,
    NATIVE_SINGLE,
    CryptoBenchConfig,
    Measurement,
    format_table,
    run_crypto_bench,
)


def test_table_divides_native_batches_by_cryptography() -> None:
    results = [
        Measurement("ML-DSA-65", "verify", NATIVE_1T, 9000.0),
        Measurement("ML-DSA-65", "verify", NATIVE_ALL, 18000.0),
        Measurement("ML-DSA-65", "verify", NATIVE_SINGLE, 8000.0),
        Measurement("ML-DSA-65", "verify", CRYPTOGRAPHY, 3000.0),
    ]
    header, row = format_table(results).splitlines()
    assert header.split()[:2] == ["algorithm", "op"]
    cells = row.split()
    assert cells[:2] == ["ML-DSA-65", "verify"]
    assert cells[-3:] == ["3.00x", "6.00x", "2.00x"]
    assert "9,000" in cells and "18,000" in cells


def test_missing_figures_show_as_dashes() -> None:
    results = [Measurement("Falcon-512", "sign", LIBOQS, 100.0)]
    row = format_table(results).splitlines()[1].split()
    assert row.count("-") == len(IMPLEMENTATIONS) - 1 + 3


@pytest.mark.native
def test_a_short_run_measures_every_native_and_cryptography_figure() -> None:
    lines: list[str] = []
    config = CryptoBenchConfig(
        algorithms=("ML-DSA-44",), seconds=0.01, batch=4, liboqs_algorithms=()
    )
    results = run_crypto_bench(config, progress=lines.append)
    measured = {(m.operation, m.implementation) for m in results}
    assert measured == {
        ("sign", NATIVE_1T),
        ("verify", NATIVE_1T),
        ("sign", NATIVE_ALL),
        ("verify", NATIVE_ALL),
        ("keygen", NATIVE_SINGLE),
        ("sign", NATIVE_SINGLE),
        ("verify", NATIVE_SINGLE),
        ("keygen", CRYPTOGRAPHY),
        ("sign", CRYPTOGRAPHY),
        ("verify", CRYPTOGRAPHY),
    }
    assert all(m.ops_per_second > 0 for m in results)
    assert len(lines) == len(results)
