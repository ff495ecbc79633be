"""loadgen's machinery around the generator: the token bucket, the signer's crafted records,
corpus files, the ground-truth file, and the command line (bad arguments are one line and
exit status 2; a corpus is written by several processes and reads back verified)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from loadgen.corpus import CorpusPart, assemble, part_path, read_header, read_segment
from loadgen.draft import Craft, Draft, Label, ScenarioInfo, StreamName
from loadgen.ratelimit import TokenBucket
from loadgen.signer import KafkaRecord, Signer
from loadgen.truth import TruthPart, merge
from streams import signing
from streams.cli import cli
from streams.envelope import parse_headers, signed_message
from streams.keys.store import KeyStore
from streams.report.truth import load_truth
from streams.sequence import SequenceFile
from topics.specs import TELEMETRY, TRANSACTIONS

TOPICS: dict[StreamName, str] = {"transactions": TRANSACTIONS, "telemetry": TELEMETRY}
PASSPHRASE = "loadgen unit-test passphrase"  # noqa: S105 - a throwaway key store


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize("batch", [1, 7, 250])
def test_token_bucket_keeps_the_long_run_rate_for_any_batch(batch: int) -> None:
    clock = FakeClock()
    bucket = TokenBucket(1_000.0, clock=clock, sleep=clock.sleep)
    for _ in range(10_000 // batch):
        bucket.take(batch)
    sent = 10_000 // batch * batch
    # The bucket starts full (50 tokens: a twentieth of a second), then holds 1,000/s.
    assert clock.now - 100.0 == pytest.approx((sent - bucket.burst) / 1_000.0, abs=1e-6)


def test_token_bucket_lets_a_burst_through_after_idling_and_counts_work_time() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100.0, burst=10.0, clock=clock, sleep=clock.sleep)
    clock.now += 60.0  # idle: the bucket fills up to its burst, not beyond
    bucket.take(10)
    assert clock.slept == []
    bucket.take(5)
    assert clock.slept == [pytest.approx(0.05)]
    clock.now += 0.1  # time spent working earns tokens too: no wait for the next 10
    bucket.take(10)
    assert clock.slept == [pytest.approx(0.05)]


def test_token_bucket_rejects_a_non_positive_rate() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        TokenBucket(0.0)


def _draft(n: int, craft: Craft | None = None, rogue: str | None = None) -> Draft:
    payload = {"event_id": f"00000000-0000-4000-8000-{n:012d}", "amount": "12.50", "n": n}
    label = None
    if craft is not None:
        info = ScenarioInfo("S000001", "integrity_x", "integrity", rogue, 3)
        label = Label(info, "crafted", craft, rogue)
    return Draft("transactions", f"acct-{n % 3}", payload, 1_000 + n, label)


def _verifies(record: KafkaRecord, public_key: bytes) -> bool:
    env = parse_headers(record.headers, signing.MLDSA_ALGORITHMS)
    message = signed_message(record.topic, record.key, env.ts_us, env.seq, env.kid, record.value)
    return signing.verify_many(env.algorithm, public_key, [message], [env.signature])[0]


def test_signer_signs_clean_records_and_spoils_crafted_ones(tmp_path: Path) -> None:
    pair = signing.generate_keypair("ML-DSA-44", bytes(range(32)))
    signer = Signer("loadgen/p0", pair, SequenceFile(tmp_path / "seq"), TOPICS, seed=1)
    clean = signer.sign([_draft(n) for n in range(5)])
    assert [s.seq for s in clean] == [1, 2, 3, 4, 5]
    assert all(_verifies(s.record, pair.public_key) for s in clean)
    assert orjson.loads(clean[0].record.value)["n"] == 0

    crafted = signer.sign(
        [
            _draft(10, Craft.FORGED),
            _draft(11),
            _draft(12, Craft.REPLAY),
            _draft(13, Craft.REPLAY),
            _draft(14, Craft.UNKNOWN_KEY, "loadgen/rogue-1"),
        ]
    )
    forged, fresh, replay1, replay2, rogue = crafted
    assert not _verifies(forged.record, pair.public_key)
    assert orjson.loads(forged.record.value)["amount"] == "13.50"
    assert _verifies(fresh.record, pair.public_key)
    # Replays are byte-for-byte copies of the latest clean records, newest first.
    assert replay1.record == fresh.record and replay1.seq == fresh.seq
    assert replay2.record == clean[-1].record
    assert rogue.kid == "loadgen/rogue-1" and rogue.seq == 1
    rogue_env = parse_headers(rogue.record.headers, signing.MLDSA_ALGORITHMS)
    assert rogue_env.kid == "loadgen/rogue-1"


def test_a_replay_with_nothing_to_copy_is_left_out(tmp_path: Path) -> None:
    pair = signing.generate_keypair("ML-DSA-44", bytes(32))
    signer = Signer("loadgen/p1", pair, SequenceFile(tmp_path / "seq"), TOPICS, seed=1)
    assert signer.sign([_draft(1, Craft.REPLAY)]) == []


def test_corpus_parts_assemble_into_one_file_that_reads_back(tmp_path: Path) -> None:
    records = [
        KafkaRecord(TRANSACTIONS, b"acct-1", b'{"a":1}', [("qr-v", b"1"), ("qr-sig", bytes(300))]),
        KafkaRecord(TELEMETRY, b"zeek/x", b"{}", []),
    ]
    corpus = tmp_path / "c.qrc"
    segments = []
    for i in range(2):
        part = CorpusPart(part_path(corpus, i), f"loadgen/p{i}")
        part.write(records[i:], ts_us=1_000 + i)
        segments.append((part_path(corpus, i), part.close()))
    assemble(corpus, segments, {"seed": 5})
    header, read = read_header(corpus)
    assert header["seed"] == 5
    assert [(s.kid, s.records) for s in read] == [("loadgen/p0", 2), ("loadgen/p1", 1)]
    assert [r for batch in read_segment(corpus, read[0]) for r in batch] == records
    assert [r for batch in read_segment(corpus, read[1], batch=1) for r in batch] == records[1:]
    assert not part_path(corpus, 0).exists()


def test_truth_lists_complete_scenarios_and_reads_as_ground_truth(tmp_path: Path) -> None:
    pair = signing.generate_keypair("ML-DSA-44", bytes(32))
    signer = Signer("loadgen/p0", pair, SequenceFile(tmp_path / "seq"), TOPICS, seed=1)
    whole = ScenarioInfo("S000001", "fan_in", "aml", "acct-1", 2)
    cut = ScenarioInfo("S000002", "fan_out", "aml", "acct-2", 3)
    drafts = [_draft(0), _draft(1), _draft(2)]
    drafts[0].label = Label(whole, "counterparty")
    drafts[1].label = Label(whole, "counterparty")
    drafts[2].label = Label(cut, "target")
    part = TruthPart(tmp_path / "t.part0")
    assert part.write(signer.sign(drafts)) == 3
    part.close()
    summary = merge([tmp_path / "t.part0"], tmp_path / "truth.jsonl", {"seed": 1})
    lines = [orjson.loads(line) for line in (tmp_path / "truth.jsonl").read_bytes().splitlines()]
    assert [line["record"] for line in lines] == ["run", "scenario", "event", "event", "event"]
    assert lines[1] | {"first_ts_us": 0, "last_ts_us": 0} == {
        "record": "scenario",
        "scenario": "S000001",
        "typology": "fan_in",
        "kind": "aml",
        "entity": "acct-1",
        "events": 2,
        "first_ts_us": 0,
        "last_ts_us": 0,
    }
    assert summary.scenarios == 1 and summary.events == 3
    assert [(e["complete"], e["entity"]) for e in lines[2:]] == [
        (True, "acct-1"),
        (True, "acct-1"),
        (False, None),  # cut short by the end of the run: nothing has to alert
    ]
    # The reader of `qrstream report` takes what should alert, and only that.
    assert load_truth(tmp_path / "truth.jsonl") == {("acct-1", "fan_in")}


BAD_ARGUMENTS = [
    (["--count", "5", "--duration", "1"], "give --count or --duration, not both"),
    (["--write-corpus", "x", "--corpus", "y"], "give --corpus or --write-corpus, not both"),
    (["--write-corpus", "x"], "--write-corpus needs --count or --duration"),
    (["--write-corpus", "x", "-n", "5", "--rate", "9"], "--rate does not apply to --write-corpus"),
    (["--corpus", "/nonexistent/c.qrc"], "--corpus: no file /nonexistent/c.qrc"),
    (["--topic-prefix", "a b"], "--topic-prefix: only letters"),
    (["--key-prefix", "/x"], "--key-prefix: '/x' does not make valid key ids"),
    (["--start", "yesterday"], "--start: 'yesterday' is not 'now' or an ISO 8601 time"),
    (["--processes", "0"], "Invalid value for '-p' / '--processes'"),
    (["--rate", "-3"], "Invalid value for '-r' / '--rate'"),
    (["--telemetry-share", "1"], "Invalid value for '--telemetry-share'"),
    (["--frobnicate"], "No such option: --frobnicate"),
]


@pytest.mark.parametrize(("args", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_one_line_and_exit_status_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["loadgen", *args])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith("Error: ")
    assert message in result.output


def test_a_bad_environment_default_is_one_line_too() -> None:
    result = CliRunner().invoke(cli, ["loadgen"], env={"QR_LOADGEN_RATE": "fast"})
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "QR_LOADGEN_RATE" in result.output


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "QR_VAR_DIR": str(tmp_path / "var"),
        "QR_KEYS_DIR": str(tmp_path / "keys"),
        "QR_KEY_PASSPHRASE": PASSPHRASE,
    }


def test_missing_keys_name_the_ways_to_create_them(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["loadgen", "-p", "2", "-n", "10"], env=_env(tmp_path))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "no key loadgen/p0, loadgen/p1" in result.output
    assert "--ensure-keys" in result.output


def test_a_corpus_written_by_two_processes_verifies_and_matches_its_truth(
    tmp_path: Path,
) -> None:
    env = _env(tmp_path)
    runner = CliRunner()
    for kid in ("loadgen/p0", "loadgen/p1"):
        result = runner.invoke(cli, ["keys", "generate", kid, "--alg", "ML-DSA-44"], env=env)
        assert result.exit_code == 0, result.output
    corpus, truth = tmp_path / "c.qrc", tmp_path / "truth.jsonl"
    args = ["loadgen", "-p", "2", "-n", "1500", "--accounts", "1000", "--scenario-every", "100"]
    args += ["--write-corpus", str(corpus), "--truth", str(truth), "--json"]
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.stdout.splitlines()[-1])
    assert summary["mode"] == "write" and summary["sent"] == 1_500 and summary["errors"] == 0
    keys = {m.kid: m.public_key for m in KeyStore(tmp_path / "keys").list()}
    header, segments = read_header(corpus)
    assert [s.kid for s in segments] == ["loadgen/p0", "loadgen/p1"]
    records = [r for s in segments for batch in read_segment(corpus, s) for r in batch]
    assert len(records) == 1_500
    lines = [orjson.loads(line) for line in truth.read_bytes().splitlines()]
    crafted = {
        (e["kid"], e["seq"]) for e in lines if e["record"] == "event" and e["expected_reason"]
    }
    for record in records:
        env_ = parse_headers(record.headers, signing.MLDSA_ALGORITHMS)
        valid = env_.kid in keys and _verifies(record, keys[env_.kid])
        assert valid or (env_.kid, env_.seq) in crafted
    assert header["seed"] == 1 and lines[0]["record"] == "run"
    assert lines[0]["events"] == summary["injected"]
