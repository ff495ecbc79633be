"""The local private key store (DESIGN.md section 5): one directory, and per key id an encrypted
PKCS#8 PEM (seed form, mode 0600) plus a JSON metadata file that anyone may read.

The passphrase comes from the settings (QR_KEY_PASSPHRASE) and is needed only to create a key
or to load its private part; listing keys and reading public keys never decrypt anything.
"""

from __future__ import annotations

import contextlib
import os
import re
import string
import time
from base64 import b64decode, b64encode
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
from pydantic import SecretStr

from streams import signing
from streams.errors import KeyStoreError
from streams.keys.model import KeyInfo
from streams.keys.pem import decrypt_private_pem, encrypt_private_pem

__all__ = [
    "KID_PATTERN",
    "KeyStore",
    "StoredKey",
    "filename_to_kid",
    "kid_to_filename",
    "now_us",
]

# Key ids travel in every record header and are the registry's record keys: the same rule as
# `EntityId` of topics/messages/base.py, which the registry entry validates.
KID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+#=-]{0,127}")
PASSPHRASE_ENV = "QR_KEY_PASSPHRASE"  # noqa: S105  # the variable's name, not a secret
# As the registry entry's `owner` allows.
MAX_OWNER_CHARS = 256
_FILENAME_SAFE = frozenset(string.ascii_letters + string.digits + "_-")
_PEM_SUFFIX, _META_SUFFIX = ".pem", ".json"


def now_us() -> int:
    return time.time_ns() // 1000


def kid_to_filename(kid: str) -> str:
    """A file name for `kid`: percent-encoding of every byte but [A-Za-z0-9_-], so `/` and
    `.` never reach the file system as path separators, hidden or relative names."""
    return "".join(chr(b) if chr(b) in _FILENAME_SAFE else f"%{b:02X}" for b in kid.encode("utf-8"))


def filename_to_kid(name: str) -> str:
    """The inverse of `kid_to_filename`; `ValueError` for names it never produces."""
    raw, i = bytearray(), 0
    while i < len(name):
        if name[i] == "%":
            pair = name[i + 1 : i + 3]
            if len(pair) != 2 or not all(c in string.hexdigits for c in pair):
                raise ValueError(f"not an encoded key id: {name!r}")
            raw.append(int(pair, 16))
            i += 3
        elif name[i] in _FILENAME_SAFE:
            raw.append(ord(name[i]))
            i += 1
        else:
            raise ValueError(f"not an encoded key id: {name!r}")
    return raw.decode("utf-8")


def check_kid(kid: str) -> str:
    if not KID_PATTERN.fullmatch(kid):
        raise KeyStoreError(
            f"invalid key id {kid!r}: 1-128 characters of A-Z a-z 0-9 . _ : / @ + # = -, "
            "starting with a letter or digit",
            kid,
        )
    return kid


@dataclass(frozen=True)
class StoredKey:
    """Metadata of a stored key; times are microseconds since the epoch."""

    kid: str
    algorithm: str
    public_key: bytes = field(repr=False)
    owner: str
    valid_from_us: int
    valid_to_us: int | None
    revoked_at_us: int | None
    created_us: int
    root: bool = False
    # SHA-256 of the registry entry last published for this key: `list` compares it with the
    # entry the metadata gives now, so a local change not yet published shows up.
    published_sha256: str | None = None

    def key_info(self) -> KeyInfo:
        return KeyInfo(
            kid=self.kid,
            algorithm=self.algorithm,
            public_key=self.public_key,
            owner=self.owner,
            valid_from_us=self.valid_from_us,
            valid_to_us=self.valid_to_us,
            revoked_at_us=self.revoked_at_us,
        )

    def to_json(self) -> bytes:
        data = asdict(self)
        data["public_key"] = b64encode(self.public_key).decode()
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)

    @classmethod
    def from_json(cls, raw: bytes) -> StoredKey:
        data: dict[str, Any] = orjson.loads(raw)
        data["public_key"] = b64decode(data["public_key"], validate=True)
        return cls(**data)


class KeyStore:
    def __init__(self, directory: Path, passphrase: SecretStr | None = None) -> None:
        self.directory = directory
        self._passphrase = passphrase

    def pem_path(self, kid: str) -> Path:
        return self.directory / (kid_to_filename(check_kid(kid)) + _PEM_SUFFIX)

    def meta_path(self, kid: str) -> Path:
        return self.directory / (kid_to_filename(check_kid(kid)) + _META_SUFFIX)

    def exists(self, kid: str) -> bool:
        return self.meta_path(kid).exists() or self.pem_path(kid).exists()

    def generate(
        self,
        kid: str,
        *,
        algorithm: str = signing.DEFAULT_ALGORITHM,
        owner: str,
        valid_from_us: int | None = None,
        valid_to_us: int | None = None,
        root: bool = False,
        seed: bytes | None = None,
    ) -> StoredKey:
        """Creates a key pair and stores it; never overwrites an existing key id."""
        check_kid(kid)
        if algorithm not in signing.MLDSA_ALGORITHMS:
            raise KeyStoreError(
                f"cannot store {algorithm} keys: PKCS#8 exists only for "
                f"{', '.join(signing.MLDSA_ALGORITHMS)}",
                kid,
            )
        if not 1 <= len(owner) <= MAX_OWNER_CHARS:
            raise KeyStoreError(f"owner of {kid!r} must be 1-{MAX_OWNER_CHARS} characters", kid)
        passphrase = self._passphrase_bytes()
        created = now_us()
        valid_from = created if valid_from_us is None else valid_from_us
        if valid_to_us is not None and valid_to_us <= valid_from:
            raise KeyStoreError(f"key {kid!r} would end before it starts", kid)
        if self.exists(kid):
            raise KeyStoreError(f"key {kid!r} already exists in {self.directory}", kid)
        pair = signing.generate_keypair(algorithm, seed)
        if pair.seed is None:  # unreachable: ML-DSA key pairs always carry their seed
            raise KeyStoreError(f"{algorithm} key pair without a seed", kid)
        pem = encrypt_private_pem(algorithm, pair.seed, passphrase)
        meta = StoredKey(
            kid=kid,
            algorithm=algorithm,
            public_key=pair.public_key,
            owner=owner,
            valid_from_us=valid_from,
            valid_to_us=valid_to_us,
            revoked_at_us=None,
            created_us=created,
            root=root,
        )
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem_path = self.pem_path(kid)
        try:
            # O_EXCL: two concurrent `generate`s of one key id cannot both win.
            fd = os.open(pem_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyStoreError(f"key {kid!r} already exists in {self.directory}", kid) from None
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        try:
            self.save(meta)
        except BaseException:
            pem_path.unlink(missing_ok=True)
            raise
        return meta

    def get(self, kid: str) -> StoredKey:
        path = self.meta_path(kid)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyStoreError(f"no key {kid!r} in {self.directory}", kid) from None
        try:
            meta = StoredKey.from_json(raw)
        except (ValueError, TypeError, KeyError) as err:
            raise KeyStoreError(f"damaged key metadata {path}: {err}", kid) from None
        if meta.kid != kid:
            raise KeyStoreError(f"{path} holds key {meta.kid!r}, not {kid!r}", kid)
        return meta

    def list(self) -> list[StoredKey]:
        if not self.directory.is_dir():
            return []
        kids = []
        for path in self.directory.glob("*" + _META_SUFFIX):
            with contextlib.suppress(ValueError):
                kids.append(filename_to_kid(path.name.removesuffix(_META_SUFFIX)))
        return [self.get(kid) for kid in sorted(kids)]

    def save(self, meta: StoredKey) -> None:
        """Writes the metadata of `meta.kid` atomically (replacing the previous version)."""
        path = self.meta_path(meta.kid)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(meta.to_json())
        os.replace(tmp, path)

    def update(self, kid: str, **changes: Any) -> StoredKey:
        meta = replace(self.get(kid), **changes)
        self.save(meta)
        return meta

    def keypair(self, kid: str) -> signing.KeyPair:
        """The decrypted key pair of `kid`, checked against its metadata."""
        meta = self.get(kid)
        passphrase = self._passphrase_bytes()
        try:
            pem = self.pem_path(kid).read_bytes()
        except FileNotFoundError:
            raise KeyStoreError(
                f"key {kid!r} has no private key file in {self.directory}", kid
            ) from None
        try:
            algorithm, seed = decrypt_private_pem(pem, passphrase)
        except ValueError:
            raise KeyStoreError(
                f"cannot decrypt key {kid!r}: wrong {PASSPHRASE_ENV} or damaged file", kid
            ) from None
        except TypeError as err:
            raise KeyStoreError(f"{self.pem_path(kid)}: {err}", kid) from None
        pair = signing.generate_keypair(algorithm, seed)
        if algorithm != meta.algorithm or pair.public_key != meta.public_key:
            raise KeyStoreError(f"private and public key of {kid!r} do not match", kid)
        return pair

    def _passphrase_bytes(self) -> bytes:
        secret = self._passphrase.get_secret_value() if self._passphrase else ""
        if not secret:
            raise KeyStoreError(f"no key passphrase: set {PASSPHRASE_ENV}")
        return secret.encode("utf-8")
