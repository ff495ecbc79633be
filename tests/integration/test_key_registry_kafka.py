"""The key registry over the real broker: entries published by `qrstream keys` (root-signed)
load back, a forged entry produced with plain confluent-kafka is ignored and reported, and the
loaded registry drives the verifier through a rotation overlap and a revocation."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from confluent_kafka import Producer
from pydantic import SecretStr

from streams import signing
from streams.cli import cli
from streams.envelope import build_headers, signed_message
from streams.errors import KeyRegistryError
from streams.keys.entry import encode_entry, sign_entries, sign_tombstones
from streams.keys.model import KeyInfo
from streams.keys.publish import publish_keys
from streams.keys.registry import KeyRegistry, RejectReason, load_root_public_key
from streams.keys.store import KeyStore
from streams.keys.topic import load_registry, publish_records
from streams.replay import SqliteReplayGuard
from streams.verifier import InboundRecord, Verifier
from tests.utils import TopicFactory
from topics.reasons import Reason

pytestmark = pytest.mark.integration

PASSPHRASE = "integration passphrase"  # noqa: S105  # a test fixture
MALLORY = signing.generate_keypair("ML-DSA-65", bytes([9]) * 32)
SECOND_US = 1_000_000
HOUR_US = 3600 * SECOND_US
COMPACTED = {"cleanup.policy": "compact"}


def now_us() -> int:
    return time.time_ns() // 1000


@pytest.fixture
def keys_topic(topic_factory: TopicFactory) -> str:
    return topic_factory(1, COMPACTED)


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    store = KeyStore(tmp_path / "keys", SecretStr(PASSPHRASE))
    store.generate("root", owner="operator", root=True)
    return store


@pytest.fixture
def root_pem(store: KeyStore, tmp_path: Path) -> Path:
    path = tmp_path / "root.pem"
    runner = CliRunner(env={"QR_KEYS_DIR": str(store.directory)})
    result = runner.invoke(cli, ["keys", "export-public", "root", "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def make_verifier(tmp_path: Path) -> Iterator[Callable[[KeyRegistry], Verifier]]:
    """Verifiers with the loaded registry as their key resolver, each with its replay state."""
    guards: list[SqliteReplayGuard] = []

    def make(registry: KeyRegistry) -> Verifier:
        guards.append(SqliteReplayGuard(tmp_path / f"replay-{len(guards)}.db"))
        return Verifier(registry, guards[-1])

    yield make
    for guard in guards:
        guard.close()


def produce_forged(
    bootstrap: str, topic: str, *records: tuple[bytes, bytes, list[tuple[str, bytes]]]
) -> None:
    """Records produced with plain confluent-kafka, as an attacker with write access could."""
    producer = Producer({"bootstrap.servers": bootstrap})
    for key, value, headers in records:
        producer.produce(topic, value, key, headers=headers)  # type: ignore[arg-type]
    assert producer.flush(30) == 0


def forged_entry(
    topic: str, info: KeyInfo, signer_kid: str
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    value = encode_entry(info)
    ts = now_us()
    message = signed_message(topic, info.kid.encode(), ts, ts, signer_kid, value)
    signature = signing.sign(MALLORY.algorithm, MALLORY.private_key, message)
    return info.kid.encode(), value, build_headers(MALLORY.algorithm, signer_kid, ts, ts, signature)


def signed_record(
    topic: str, kid: str, pair: signing.KeyPair, ts_us: int, seq: int, offset: int
) -> InboundRecord:
    key, value = b"acct-1", b'{"amount": 1}'
    message = signed_message(topic, key, ts_us, seq, kid, value)
    signature = signing.sign(pair.algorithm, pair.private_key, message)
    headers = build_headers(pair.algorithm, kid, ts_us, seq, signature)
    return InboundRecord(topic, 0, offset, key, value, list(headers))


def test_cli_published_entries_load_and_forged_ones_are_reported(
    kafka_bootstrap: str, keys_topic: str, store: KeyStore, root_pem: Path
) -> None:
    runner = CliRunner(
        env={
            "QR_KEYS_DIR": str(store.directory),
            "QR_KEY_PASSPHRASE": PASSPHRASE,
            "QR_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "QR_KEYS_TOPIC": keys_topic,
            "QR_ROOT_PUBLIC_KEY_FILE": str(root_pem),
        }
    )
    for args in (
        ["generate", "bank-core/p1"],
        ["generate", "card/p1", "--alg", "ML-DSA-44"],
        ["publish", "--all"],
    ):
        result = runner.invoke(cli, ["keys", *args])
        assert result.exit_code == 0, result.output
    assert "published bank-core/p1" in result.output
    listing = runner.invoke(cli, ["keys", "list"])
    assert [line.split()[-1] for line in listing.output.splitlines()[1:]] == ["yes", "yes", "n/a"]

    mallory = KeyInfo("bank-core/p1", MALLORY.algorithm, MALLORY.public_key, "mallory", 0)
    produce_forged(
        kafka_bootstrap,
        keys_topic,
        forged_entry(keys_topic, mallory, "mallory"),  # signed by a non-root key
        forged_entry(keys_topic, mallory, "root"),  # claims the root key id
        (b"evil/p1", encode_entry(mallory), []),  # unsigned
    )

    registry = load_registry(kafka_bootstrap, load_root_public_key(root_pem), 30, topic=keys_topic)
    assert set(registry.keys()) == {"bank-core/p1", "card/p1"}
    p1 = registry.resolve("bank-core/p1")
    assert p1 is not None
    assert p1.public_key == store.get("bank-core/p1").public_key
    card = registry.resolve("card/p1")
    assert card is not None
    assert card.algorithm == "ML-DSA-44"
    assert [(r.kid, r.reason) for r in registry.rejected] == [
        ("bank-core/p1", RejectReason.NOT_ROOT),
        ("bank-core/p1", RejectReason.BAD_SIGNATURE),
        ("evil/p1", RejectReason.UNSIGNED),
    ]
    assert [r.offset for r in registry.rejected] == [2, 3, 4]
    assert registry.rejected[0].signer == "mallory"


def test_rotation_and_revocation_through_the_verifier(
    kafka_bootstrap: str,
    keys_topic: str,
    store: KeyStore,
    root_pem: Path,
    make_verifier: Callable[[KeyRegistry], Verifier],
) -> None:
    store.generate("bank-core/p1", owner="bank-core", valid_from_us=now_us() - HOUR_US)
    root = load_root_public_key(root_pem)

    def publish(*kids: str) -> KeyRegistry:
        publish_keys(store, kids, bootstrap=kafka_bootstrap, topic=keys_topic)
        return load_registry(kafka_bootstrap, root, 30, topic=keys_topic)

    # Rotation: the new key from now, the old one for one more hour.
    rotated_at = now_us()
    store.generate("bank-core/p2", owner="bank-core", valid_from_us=rotated_at)
    store.update("bank-core/p1", valid_to_us=rotated_at + HOUR_US)
    registry = publish("bank-core/p1", "bank-core/p2")
    old, new = store.keypair("bank-core/p1"), store.keypair("bank-core/p2")
    data_topic = "qr.transactions"
    ts = rotated_at + SECOND_US
    records = [
        signed_record(data_topic, "bank-core/p1", old, ts, 1, 0),
        signed_record(data_topic, "bank-core/p2", new, ts, 1, 1),
        signed_record(data_topic, "bank-core/p2", new, rotated_at - 60 * SECOND_US, 2, 2),
        signed_record(data_topic, "bank-core/p1", MALLORY, ts, 2, 3),
    ]
    verdicts = make_verifier(registry).verify_batch(records)
    assert [v.reason for v in verdicts] == [None, None, Reason.UNKNOWN_KEY, Reason.BAD_SIGNATURE]

    # Revocation of the new key from R on: records stamped earlier still pass, later ones not.
    revoked_at = now_us() + 30 * SECOND_US
    store.update("bank-core/p2", revoked_at_us=revoked_at)
    registry = publish("bank-core/p2")
    revoked = registry.resolve("bank-core/p2")
    assert revoked is not None
    assert revoked.revoked_at_us == revoked_at
    records = [
        signed_record(data_topic, "bank-core/p2", new, revoked_at - SECOND_US, 10, 10),
        signed_record(data_topic, "bank-core/p2", new, revoked_at, 11, 11),
        signed_record(data_topic, "bank-core/p1", old, revoked_at, 11, 12),
    ]
    verdicts = make_verifier(registry).verify_batch(records)
    assert [v.reason for v in verdicts] == [None, Reason.REVOKED_KEY, None]

    # The pre-revocation entry, produced again by someone who copied it, changes nothing.
    root_pair = store.keypair("root")
    stale = sign_entries([store.get("bank-core/p2").key_info()], root_pair, "root", keys_topic, 1)
    publish_records(kafka_bootstrap, stale)
    registry = load_registry(kafka_bootstrap, root, 30, topic=keys_topic)
    assert registry.rejected_counts == {RejectReason.REPLAY: 1}
    assert registry.resolve("bank-core/p2") == revoked


def test_root_signed_tombstone_removes_a_key(
    kafka_bootstrap: str, keys_topic: str, store: KeyStore, root_pem: Path
) -> None:
    store.generate("gone/p1", owner="gone")
    store.generate("kept/p1", owner="kept")
    publish_keys(store, ["gone/p1", "kept/p1"], bootstrap=kafka_bootstrap, topic=keys_topic)
    root_pair = store.keypair("root")
    publish_records(
        kafka_bootstrap, sign_tombstones(["gone/p1"], root_pair, "root", keys_topic, now_us())
    )
    registry = load_registry(kafka_bootstrap, load_root_public_key(root_pem), 30, topic=keys_topic)
    assert set(registry.keys()) == {"kept/p1"}


def test_empty_and_missing_registry_topics(
    kafka_bootstrap: str, keys_topic: str, root_pem: Path
) -> None:
    root = load_root_public_key(root_pem)
    assert len(load_registry(kafka_bootstrap, root, 30, topic=keys_topic)) == 0
    with pytest.raises(KeyRegistryError, match="does not exist"):
        load_registry(kafka_bootstrap, root, 10, topic=f"{keys_topic}-missing")
