"""NIST ACVP ML-DSA vectors (FIPS 204) through `streams._native`, read in place from the shared
folder (see vectors/mldsa/SOURCES.md there). One test per (file, parameter set); each collects
every mismatch, named by tgId/tcId, and asserts that none is left. The per-file tally of checked
and skipped cases is printed in the terminal summary by tests/native/conftest.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from streams import _native
from streams.errors import InvalidSignature

if TYPE_CHECKING:
    from conftest import AcvpReport

pytestmark = pytest.mark.native

PARAMETER_SETS = ("ML-DSA-44", "ML-DSA-65", "ML-DSA-87")

KEYGEN = "v1.1.0.43/ML-DSA-keyGen-FIPS204"
SIGVER = "v1.1.0.43/ML-DSA-sigVer-FIPS204"
SIGVER_35 = "v1.1.0.35-hotfix/ML-DSA-sigVer-FIPS204/internalProjection.json"
SIGGEN_35 = "v1.1.0.35-hotfix/ML-DSA-sigGen-FIPS204/internalProjection.json"

SIGVER_SUITE = "sigVer v1.1.0.43"
# What the v1.1.0.43 sigVer file really holds (SOURCES.md): 12 groups x 15 cases, one group
# of each kind per parameter set. The API expresses ML-DSA.Verify and Verify_internal only.
SIGVER_KINDS_PER_SET = {"pure": 15, "internal": 15, "preHash": 15, "externalMu": 15}
SKIP_REASONS = {"preHash", "externalMu"}

Json = Any
LoadJson = Callable[[str], Json]


def by_parameter_set(doc: Json, parameter_set: str) -> list[Json]:
    groups = [g for g in doc["testGroups"] if g["parameterSet"] == parameter_set]
    assert groups, f"no test group for {parameter_set}"
    return groups


def expected_by_case(doc: Json) -> dict[tuple[int, int], Json]:
    """expectedResults.json keyed by (tgId, tcId)."""
    return {(g["tgId"], t["tcId"]): t for g in doc["testGroups"] for t in g["tests"]}


def sigver_kind(group: Json) -> str:
    """pure / preHash (external interface), internal / externalMu (internal interface)."""
    interface = group["signatureInterface"]
    if interface == "external" and group["preHash"] in {"pure", "preHash"}:
        return str(group["preHash"])
    if interface == "internal" and isinstance(group["externalMu"], bool):
        return "externalMu" if group["externalMu"] else "internal"
    raise AssertionError(f"tgId={group['tgId']}: unknown sigVer group layout {interface!r}")


def verify_verdict(alg: str, pk: bytes, msg: bytes, sig: bytes, ctx: bytes) -> bool:
    try:
        _native.verify(alg, pk, msg, sig, ctx)
    except InvalidSignature:
        return False
    return True


def assert_no_mismatch(mismatches: list[str]) -> None:
    assert mismatches == [], f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def pure_message(msg: bytes, ctx: bytes) -> bytes:
    """M' of ML-DSA.Sign / ML-DSA.Verify (FIPS 204 Alg. 2/3)."""
    return b"\x00" + bytes([len(ctx)]) + ctx + msg


# -- keyGen ----------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", PARAMETER_SETS)
def test_keygen(alg: str, acvp_json: LoadJson, acvp_report: AcvpReport) -> None:
    prompt = acvp_json(f"{KEYGEN}/prompt.json")
    expected = expected_by_case(acvp_json(f"{KEYGEN}/expectedResults.json"))
    mismatches: list[str] = []
    checked = 0
    for group in by_parameter_set(prompt, alg):
        for case in group["tests"]:
            where = f"tgId={group['tgId']} tcId={case['tcId']}"
            want = expected[(group["tgId"], case["tcId"])]
            pk, sk = _native.keypair(alg, bytes.fromhex(case["seed"]))
            checked += 1
            if pk != bytes.fromhex(want["pk"]):
                mismatches.append(f"{where}: public key differs")
            if sk != bytes.fromhex(want["sk"]):
                mismatches.append(f"{where}: private key differs")
    acvp_report.tally("keyGen v1.1.0.43").checked += checked
    assert checked == 25, f"{alg}: expected 25 keyGen cases, found {checked}"
    assert_no_mismatch(mismatches)


# -- sigVer v1.1.0.43 ------------------------------------------------------------------------


def test_sigver_file_holds_what_sources_md_says(acvp_json: LoadJson) -> None:
    """Pins the file layout, so a skipped kind can never grow or a checked one vanish."""
    prompt = acvp_json(f"{SIGVER}/prompt.json")
    expected = expected_by_case(acvp_json(f"{SIGVER}/expectedResults.json"))
    kinds: Counter[str] = Counter()
    for group in prompt["testGroups"]:
        kinds[sigver_kind(group)] += len(group["tests"])
    assert dict(kinds) == {kind: 3 * n for kind, n in SIGVER_KINDS_PER_SET.items()}
    cases = {(g["tgId"], t["tcId"]) for g in prompt["testGroups"] for t in g["tests"]}
    assert cases == set(expected), "prompt and expectedResults cover different cases"
    verdicts = Counter(t["testPassed"] for t in expected.values())
    assert verdicts == Counter({True: 36, False: 144})


def check_pure_case(alg: str, case: Json, passed: bool, where: str) -> list[str]:
    """ML-DSA.Verify(pk, M, sig, ctx) through every verification entry point."""
    pk, msg = bytes.fromhex(case["pk"]), bytes.fromhex(case["message"])
    sig, ctx = bytes.fromhex(case["signature"]), bytes.fromhex(case["context"])
    problems: list[str] = []
    if (got := verify_verdict(alg, pk, msg, sig, ctx)) != passed:
        problems.append(f"{where}: verify gave {got}, testPassed={passed}")
    if (got_one := _native.verify_many(alg, pk, [msg], [sig], ctx)) != [passed]:
        problems.append(f"{where}: verify_many (one item) gave {got_one}, testPassed={passed}")
    # Five copies with one key per item take the parallel path of the batch.
    copies = 5
    got_many = _native.verify_many(alg, [pk] * copies, [msg] * copies, [sig] * copies, ctx)
    if got_many != [passed] * copies:
        problems.append(f"{where}: verify_many (per-item keys) gave {got_many}")
    if (got_internal := _native.verify_internal(alg, pk, pure_message(msg, ctx), sig)) != passed:
        problems.append(f"{where}: verify_internal of M' gave {got_internal}")
    return problems


def check_internal_case(alg: str, case: Json, passed: bool, where: str) -> list[str]:
    """ML-DSA.Verify_internal(pk, M', sig), with M' given as `message`."""
    pk, msg = bytes.fromhex(case["pk"]), bytes.fromhex(case["message"])
    sig = bytes.fromhex(case["signature"])
    if (got := _native.verify_internal(alg, pk, msg, sig)) != passed:
        return [f"{where}: verify_internal gave {got}, testPassed={passed}"]
    return []


@pytest.mark.parametrize("alg", PARAMETER_SETS)
def test_sigver(alg: str, acvp_json: LoadJson, acvp_report: AcvpReport) -> None:
    prompt = acvp_json(f"{SIGVER}/prompt.json")
    expected = expected_by_case(acvp_json(f"{SIGVER}/expectedResults.json"))
    mismatches: list[str] = []
    kinds: Counter[str] = Counter()
    for group in by_parameter_set(prompt, alg):
        kind = sigver_kind(group)
        for case in group["tests"]:
            kinds[kind] += 1
            if kind in SKIP_REASONS:
                continue
            where = f"{alg} {kind} tgId={group['tgId']} tcId={case['tcId']}"
            passed = expected[(group["tgId"], case["tcId"])]["testPassed"]
            assert isinstance(passed, bool), f"{where}: testPassed is {passed!r}"
            check = check_pure_case if kind == "pure" else check_internal_case
            mismatches.extend(check(alg, case, passed, where))
    tally = acvp_report.tally(SIGVER_SUITE)
    tally.checked += sum(n for kind, n in kinds.items() if kind not in SKIP_REASONS)
    tally.skipped.update({kind: n for kind, n in kinds.items() if kind in SKIP_REASONS})
    assert dict(kinds) == SIGVER_KINDS_PER_SET, f"{alg}: cases per kind {dict(kinds)}"
    assert_no_mismatch(mismatches)


# -- v1.1.0.35 internal projections -----------------------------------------------------------


@pytest.mark.parametrize("alg", PARAMETER_SETS)
def test_sigver_internal_projection(alg: str, acvp_json: LoadJson, acvp_report: AcvpReport) -> None:
    mismatches: list[str] = []
    reasons: Counter[str] = Counter()
    for group in by_parameter_set(acvp_json(SIGVER_35), alg):
        pk = bytes.fromhex(group["pk"])
        for case in group["tests"]:
            reasons[case["reason"]] += 1
            msg, sig = bytes.fromhex(case["message"]), bytes.fromhex(case["signature"])
            got = _native.verify_internal(alg, pk, msg, sig)
            if got != case["testPassed"]:
                mismatches.append(
                    f"tgId={group['tgId']} tcId={case['tcId']} ({case['reason']}): "
                    f"verify_internal gave {got}, testPassed={case['testPassed']}"
                )
    acvp_report.tally("sigVer v1.1.0.35 internalProjection").checked += reasons.total()
    assert reasons.total() == 15, f"{alg}: expected 15 cases, found {reasons.total()}"
    assert set(reasons) <= {
        "no modification",
        "modify message",
        "modify signature",
        "z too large",
        "too many hints",
    }
    assert_no_mismatch(mismatches)


@pytest.mark.parametrize("alg", PARAMETER_SETS)
def test_siggen_internal_projection(alg: str, acvp_json: LoadJson, acvp_report: AcvpReport) -> None:
    mismatches: list[str] = []
    modes: Counter[bool] = Counter()
    for group in by_parameter_set(acvp_json(SIGGEN_35), alg):
        deterministic = group["deterministic"]
        assert isinstance(deterministic, bool), f"tgId={group['tgId']}: {deterministic!r}"
        for case in group["tests"]:
            where = f"tgId={group['tgId']} tcId={case['tcId']}"
            modes[deterministic] += 1
            if deterministic:
                assert "rnd" not in case, f"{where}: deterministic case with rnd"
                rnd = bytes(32)
            else:
                rnd = bytes.fromhex(case["rnd"])
            sk, msg = bytes.fromhex(case["sk"]), bytes.fromhex(case["message"])
            signature = _native.sign_internal(alg, sk, msg, rnd)
            if signature != bytes.fromhex(case["signature"]):
                kind = "deterministic" if deterministic else "hedged"
                mismatches.append(f"{where} ({kind}): signature differs")
    acvp_report.tally("sigGen v1.1.0.35 internalProjection").checked += modes.total()
    assert modes == Counter({True: 10, False: 10}), f"{alg}: cases per mode {modes}"
    assert_no_mismatch(mismatches)


# -- the pure interface is Sign_internal over M' ----------------------------------------------


CONTEXTS = (b"", b"qrstream/v1", bytes(range(255)))


@pytest.mark.parametrize("alg", PARAMETER_SETS)
def test_pure_sign_is_sign_internal_of_domain_separated_message(
    alg: str, acvp_json: LoadJson
) -> None:
    mismatches: list[str] = []
    group = by_parameter_set(acvp_json(f"{KEYGEN}/prompt.json"), alg)[0]
    for case in group["tests"][:3]:
        pk, sk = _native.keypair(alg, bytes.fromhex(case["seed"]))
        for ctx in CONTEXTS:
            where = f"tgId={group['tgId']} tcId={case['tcId']} ctx of {len(ctx)} bytes"
            msg = b"record " + case["seed"].encode()
            m_prime = pure_message(msg, ctx)
            signature = _native.sign(alg, sk, msg, ctx, deterministic=True)
            if signature != _native.sign_internal(alg, sk, m_prime, bytes(32)):
                mismatches.append(f"{where}: sign != sign_internal(M')")
            if _native.sign_many(alg, sk, [msg], ctx, deterministic=True) != [signature]:
                mismatches.append(f"{where}: sign_many != sign")
            if not _native.verify_internal(alg, pk, m_prime, signature):
                mismatches.append(f"{where}: verify_internal(M') rejects the signature")
            _native.verify(alg, pk, msg, signature, ctx)
    assert_no_mismatch(mismatches)
