"""PEM forms of ML-DSA keys through pyca/cryptography (OpenSSL): encrypted PKCS#8 for private
keys and SubjectPublicKeyInfo for public keys, so other tools (openssl, any PKCS#8 reader)
can read what we write.

Private keys are kept in seed form: the 32-byte seed is what FIPS 204 key generation starts
from, and `signing.generate_keypair(alg, seed)` rebuilds the expanded key the native module
signs with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa

from streams import signing

__all__ = [
    "PublicKey",
    "decrypt_private_pem",
    "encrypt_private_pem",
    "load_public_pem",
    "public_pem",
]

_PrivateClass = (
    type[mldsa.MLDSA44PrivateKey] | type[mldsa.MLDSA65PrivateKey] | type[mldsa.MLDSA87PrivateKey]
)
_PublicClass = (
    type[mldsa.MLDSA44PublicKey] | type[mldsa.MLDSA65PublicKey] | type[mldsa.MLDSA87PublicKey]
)
_PRIVATE: dict[str, _PrivateClass] = {
    "ML-DSA-44": mldsa.MLDSA44PrivateKey,
    "ML-DSA-65": mldsa.MLDSA65PrivateKey,
    "ML-DSA-87": mldsa.MLDSA87PrivateKey,
}
_PUBLIC: dict[str, _PublicClass] = {
    "ML-DSA-44": mldsa.MLDSA44PublicKey,
    "ML-DSA-65": mldsa.MLDSA65PublicKey,
    "ML-DSA-87": mldsa.MLDSA87PublicKey,
}


@dataclass(frozen=True)
class PublicKey:
    algorithm: str
    raw: bytes = field(repr=False)


def _storable(algorithm: str) -> None:
    if algorithm not in _PRIVATE:
        # pyca/cryptography has no PKCS#8 for Falcon or SPHINCS+ (liboqs keys).
        raise ValueError(
            f"only {', '.join(signing.MLDSA_ALGORITHMS)} keys can be stored as PKCS#8, "
            f"not {algorithm}"
        )


def encrypt_private_pem(algorithm: str, seed: bytes, passphrase: bytes) -> bytes:
    """Encrypted PKCS#8 PEM (PBES2, AES-256) of the seed form of an ML-DSA key."""
    _storable(algorithm)
    key = _PRIVATE[algorithm].from_seed_bytes(seed)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def decrypt_private_pem(data: bytes, passphrase: bytes) -> tuple[str, bytes]:
    """(algorithm, seed) of an encrypted PKCS#8 PEM. A wrong passphrase or a damaged file is a
    `ValueError` (OpenSSL cannot tell them apart); another key type is a `TypeError`."""
    try:
        key = serialization.load_pem_private_key(data, passphrase)
    except UnsupportedAlgorithm as err:
        raise TypeError("not an ML-DSA private key") from err
    for algorithm, cls in _PRIVATE.items():
        if isinstance(key, cls):
            return algorithm, key.private_bytes_raw()
    raise TypeError(f"not an ML-DSA private key: {type(key).__name__}")


def public_pem(algorithm: str, public_key: bytes) -> bytes:
    """SubjectPublicKeyInfo PEM: it names the algorithm (by OID), unlike raw bytes."""
    _storable(algorithm)
    key = _PUBLIC[algorithm].from_public_bytes(public_key)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_pem(data: bytes) -> PublicKey:
    """The algorithm and raw public key of a SubjectPublicKeyInfo PEM; `ValueError` if it is
    not one or not ML-DSA."""
    try:
        key = serialization.load_pem_public_key(data)
    except UnsupportedAlgorithm as err:
        raise ValueError("not an ML-DSA public key") from err
    for algorithm, cls in _PUBLIC.items():
        if isinstance(key, cls):
            return PublicKey(algorithm, key.public_bytes_raw())
    raise ValueError(f"not an ML-DSA public key: {type(key).__name__}")
