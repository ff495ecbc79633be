from __future__ import annotations

import stat
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa
from pydantic import SecretStr

from streams import signing
from streams.errors import KeyStoreError
from streams.keys.pem import load_public_pem, public_pem
from streams.keys.store import KeyStore, filename_to_kid, kid_to_filename

PASSPHRASE = "correct horse battery staple"  # noqa: S105  # a test fixture
SEED = bytes(range(32))


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys", SecretStr(PASSPHRASE))


def test_round_trip_gives_back_the_same_key_pair(store: KeyStore) -> None:
    meta = store.generate("bank-core/p1", owner="bank-core", seed=SEED)
    pair = store.keypair("bank-core/p1")
    expected = signing.generate_keypair(signing.DEFAULT_ALGORITHM, SEED)
    assert pair.seed == SEED
    assert (pair.public_key, pair.private_key) == (expected.public_key, expected.private_key)
    assert meta.public_key == expected.public_key
    signature = signing.sign(pair.algorithm, pair.private_key, b"m")
    signing.verify(pair.algorithm, meta.public_key, b"m", signature)


@pytest.mark.parametrize("algorithm", signing.MLDSA_ALGORITHMS)
def test_every_mldsa_parameter_set_is_stored(store: KeyStore, algorithm: str) -> None:
    meta = store.generate("k1", algorithm=algorithm, owner="o")
    assert store.keypair("k1").algorithm == algorithm == store.get("k1").algorithm
    assert len(meta.public_key) == signing.parameter_sizes(algorithm).public_key


def test_metadata_is_readable_without_the_passphrase(store: KeyStore) -> None:
    meta = store.generate("bank-core/p1", owner="bank-core", valid_to_us=2**52)
    locked = KeyStore(store.directory, None)
    assert locked.get("bank-core/p1") == meta
    assert [m.kid for m in locked.list()] == ["bank-core/p1"]
    assert meta.key_info().valid_to_us == 2**52


def test_wrong_passphrase_is_one_line_without_the_secret(store: KeyStore) -> None:
    store.generate("k1", owner="o")
    with pytest.raises(KeyStoreError, match="wrong QR_KEY_PASSPHRASE") as err:
        KeyStore(store.directory, SecretStr("not it")).keypair("k1")
    assert "\n" not in str(err.value)
    assert "not it" not in str(err.value)
    assert err.value.kid == "k1"


@pytest.mark.parametrize("passphrase", [None, SecretStr("")])
def test_missing_passphrase_is_one_line(store: KeyStore, passphrase: SecretStr | None) -> None:
    store.generate("k1", owner="o")
    locked = KeyStore(store.directory, passphrase)
    with pytest.raises(KeyStoreError, match=r"^no key passphrase: set QR_KEY_PASSPHRASE$"):
        locked.keypair("k1")
    with pytest.raises(KeyStoreError, match=r"^no key passphrase"):
        locked.generate("k2", owner="o")
    assert not locked.exists("k2")


@pytest.mark.parametrize(
    "kid",
    ["bank-core/p1", "processor/worker-2", "a.b", "A:b@c+d#e=f", "x" * 128, "k//1", "0"],
)
def test_kid_file_names_are_safe_and_reversible(kid: str) -> None:
    name = kid_to_filename(kid)
    assert filename_to_kid(name) == kid
    assert "/" not in name
    assert "." not in name  # never hidden, never `.` or `..`, never a second suffix
    assert len(name) <= 255 - len(".json")


def test_kid_file_names_of_distinct_kids_differ() -> None:
    kids = ["a/b", "a%2Fb", "a_b", "a-b", "a.b", "A/B"]
    assert len({kid_to_filename(k) for k in kids}) == len(kids)


@pytest.mark.parametrize("name", ["a%2", "a%zz", "a.b", "a b"])
def test_foreign_file_names_are_not_kids(name: str) -> None:
    with pytest.raises(ValueError, match="not an encoded key id"):
        filename_to_kid(name)


def test_files_land_under_encoded_names_with_private_permissions(store: KeyStore) -> None:
    store.generate("bank-core/p1", owner="bank-core")
    pem = store.directory / "bank-core%2Fp1.pem"
    assert pem == store.pem_path("bank-core/p1")
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert (store.directory / "bank-core%2Fp1.json").is_file()
    assert sorted(p.name for p in store.directory.iterdir()) == [
        "bank-core%2Fp1.json",
        "bank-core%2Fp1.pem",
    ]


def test_existing_key_is_never_overwritten(store: KeyStore) -> None:
    store.generate("k1", owner="o")
    before = store.pem_path("k1").read_bytes(), store.meta_path("k1").read_bytes()
    with pytest.raises(KeyStoreError, match="'k1' already exists"):
        store.generate("k1", owner="o")
    store.meta_path("k1").unlink()  # a leftover private key alone still blocks the kid
    with pytest.raises(KeyStoreError, match="already exists"):
        store.generate("k1", owner="o")
    assert store.pem_path("k1").read_bytes() == before[0]


@pytest.mark.parametrize("kid", ["", "/abs", "../up", ".hidden", "has space", "x" * 129, "é"])
def test_invalid_kids_are_refused(store: KeyStore, kid: str) -> None:
    with pytest.raises(KeyStoreError, match="invalid key id"):
        store.generate(kid, owner="o")
    assert not store.directory.exists()


def test_algorithms_without_pkcs8_are_refused(store: KeyStore) -> None:
    with pytest.raises(KeyStoreError, match="cannot store Falcon-512 keys"):
        store.generate("k1", algorithm="Falcon-512", owner="o")


def test_owner_and_validity_are_checked(store: KeyStore) -> None:
    with pytest.raises(KeyStoreError, match="owner"):
        store.generate("k1", owner="")
    with pytest.raises(KeyStoreError, match="end before it starts"):
        store.generate("k1", owner="o", valid_from_us=10, valid_to_us=10)


def test_unknown_key_and_damaged_metadata_are_store_errors(store: KeyStore) -> None:
    with pytest.raises(KeyStoreError, match="no key 'nope'"):
        store.get("nope")
    store.generate("k1", owner="o")
    store.meta_path("k1").write_text("{not json")
    with pytest.raises(KeyStoreError, match="damaged key metadata"):
        store.get("k1")


def test_swapped_private_key_is_detected(store: KeyStore) -> None:
    store.generate("k1", owner="o")
    store.generate("k2", owner="o")
    store.pem_path("k1").write_bytes(store.pem_path("k2").read_bytes())
    with pytest.raises(KeyStoreError, match="do not match"):
        store.keypair("k1")


def test_update_replaces_metadata_and_list_skips_foreign_files(store: KeyStore) -> None:
    store.generate("b/2", owner="o")
    store.generate("a/1", owner="o")
    (store.directory / "notes.txt.json").write_text("{}")  # not an encoded kid: ignored
    updated = store.update("a/1", revoked_at_us=5)
    assert store.get("a/1") == updated
    assert updated.revoked_at_us == 5
    assert [m.kid for m in store.list()] == ["a/1", "b/2"]
    assert orjson.loads(store.meta_path("a/1").read_bytes())["revoked_at_us"] == 5


def test_pem_is_standard_pkcs8_that_pyca_reads(store: KeyStore) -> None:
    meta = store.generate("bank-core/p1", owner="bank-core", seed=SEED)
    pem = store.pem_path("bank-core/p1").read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = serialization.load_pem_private_key(pem, PASSPHRASE.encode())
    assert isinstance(key, mldsa.MLDSA65PrivateKey)
    assert key.private_bytes_raw() == SEED
    assert key.public_key().public_bytes_raw() == meta.public_key
    # A signature by OpenSSL verifies with our native verifier, under the envelope context.
    signature = key.sign(b"m", signing.ENVELOPE_CONTEXT)
    signing.verify(meta.algorithm, meta.public_key, b"m", signature)


def test_public_pem_round_trip_and_pyca_interop() -> None:
    pair = signing.generate_keypair("ML-DSA-44", SEED)
    pem = public_pem(pair.algorithm, pair.public_key)
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, mldsa.MLDSA44PublicKey)
    assert key.public_bytes_raw() == pair.public_key
    loaded = load_public_pem(pem)
    assert (loaded.algorithm, loaded.raw) == (pair.algorithm, pair.public_key)
    with pytest.raises(ValueError):
        load_public_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
