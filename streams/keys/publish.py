"""Publishing stored keys to the registry: sign their entries with the operator root key from
the local store and produce them, then remember what was published."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from streams.errors import KeyRegistryError, KeyStoreError
from streams.keys.entry import entry_digest, sign_entries
from streams.keys.registry import load_root_public_key
from streams.keys.store import KeyStore, StoredKey, now_us
from streams.keys.topic import publish_records
from topics.specs import KEYS

__all__ = ["publish_keys"]


def publish_keys(
    store: KeyStore,
    kids: Sequence[str],
    *,
    bootstrap: str,
    root_kid: str = "root",
    topic: str = KEYS,
    timeout: float = 30.0,
    root_public_key_file: Path | None = None,
    client_config: Mapping[str, str] | None = None,
) -> list[StoredKey]:
    """Signs and produces the current entries of `kids` and waits for their delivery. Needs
    the root private key in `store` (and so the passphrase). When `root_public_key_file` is
    given, the stored root key must be the one it holds: entries signed by any other key would
    be ignored by every worker. `client_config` is merged into the producer's config."""
    metas = [store.get(kid) for kid in dict.fromkeys(kids)]
    for meta in metas:
        if meta.root or meta.kid == root_kid:
            raise KeyStoreError(
                f"{meta.kid!r} is the root key: its public key is configured out of band "
                "(keys export-public), not published",
                meta.kid,
            )
    if not store.exists(root_kid):
        raise KeyStoreError(
            f"no root key {root_kid!r} in {store.directory}: publishing needs the operator root "
            "key (qrstream keys generate --root)",
            root_kid,
        )
    root = store.keypair(root_kid)
    if root_public_key_file is not None:
        configured = load_root_public_key(root_public_key_file)
        if (configured.algorithm, configured.raw) != (root.algorithm, root.public_key):
            raise KeyRegistryError(
                f"root key {root_kid!r} in {store.directory} is not the one in "
                f"{root_public_key_file}: workers would ignore its entries"
            )
    infos = [meta.key_info() for meta in metas]
    try:
        records = sign_entries(infos, root, root_kid, topic, now_us())
    except ValidationError as err:
        first = err.errors()[0]
        raise KeyStoreError(
            f"cannot publish: entry field {'.'.join(map(str, first['loc']))}: {first['msg']}"
        ) from None
    publish_records(bootstrap, records, timeout, config=client_config)
    return [store.update(info.kid, published_sha256=entry_digest(info)) for info in infos]
