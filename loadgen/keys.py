"""The producer keys of loadgen: one key id per process (`<prefix>/p0`, `<prefix>/p1`, ...), so
that each process has its own sequence numbers and the worker's replay check accepts every
record. They live in the ordinary key store and must be published to the registry, like any
producer's; `ensure_keys` does both for the ones that are missing or not yet published."""

from __future__ import annotations

from streams import signing
from streams.errors import KeyStoreError
from streams.kafka_config import librdkafka_config
from streams.keys.entry import entry_digest
from streams.keys.publish import publish_keys
from streams.keys.store import KeyStore
from streams.settings import Settings

__all__ = ["ensure_keys", "load_keys", "producer_kids"]

OWNER = "loadgen"


def producer_kids(prefix: str, processes: int) -> list[str]:
    return [f"{prefix}/p{i}" for i in range(processes)]


def _store(settings: Settings) -> KeyStore:
    return KeyStore(settings.keys_dir, settings.key_passphrase)


def ensure_keys(
    settings: Settings, kids: list[str], algorithm: str, bootstrap: str
) -> tuple[list[str], list[str]]:
    """Generates the keys of `kids` that are missing and publishes those whose current
    entry is not on the registry; returns (generated, published)."""
    store = _store(settings)
    generated = []
    for kid in kids:
        if not store.exists(kid):
            store.generate(kid, algorithm=algorithm, owner=OWNER)
            generated.append(kid)
    stale = [
        meta.kid
        for meta in map(store.get, kids)
        if meta.published_sha256 != entry_digest(meta.key_info())
    ]
    if stale:
        publish_keys(
            store,
            stale,
            bootstrap=bootstrap,
            root_kid=settings.root_key_id,
            topic=settings.keys_topic,
            root_public_key_file=settings.root_public_key_file,
            client_config=librdkafka_config(settings),
        )
    return generated, stale


def load_keys(settings: Settings, kids: list[str]) -> dict[str, signing.KeyPair]:
    """The decrypted key pairs of `kids`; a missing key names the ways to create it."""
    store = _store(settings)
    missing = [kid for kid in kids if not store.exists(kid)]
    if missing:
        raise KeyStoreError(
            f"no key {', '.join(missing)} in {store.directory}: run loadgen with --ensure-keys, "
            f"or `qrstream keys generate KID` for each and `qrstream keys publish --all`",
            missing[0],
        )
    return {kid: store.keypair(kid) for kid in kids}
