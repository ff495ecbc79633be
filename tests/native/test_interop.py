"""Interoperability of `streams._native` with pyca/cryptography's ML-DSA (OpenSSL), both ways:
same key from the same seed, each side verifies the other's signatures (with and without a
FIPS 204 context string), and key encodings round trip."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import exceptions as crypto_exceptions
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa

from streams import _native, signing
from streams.errors import InvalidSignature

pytestmark = pytest.mark.native

ENVELOPE_CONTEXT = b"qrstream/v1"
CONTEXTS = (
    pytest.param(ENVELOPE_CONTEXT, id="ctx=qrstream/v1"),
    pytest.param(b"", id="ctx=empty"),
)
MESSAGES = (b"", b"transfer 100 EUR to DE89 3704 0044 0532 0130 00", bytes(range(256)) * 40)


@dataclass(frozen=True)
class Variant:
    alg: str
    private_key_cls: Any
    public_key_cls: Any
    public_key_size: int
    signature_size: int


VARIANTS = (
    pytest.param(
        Variant("ML-DSA-44", mldsa.MLDSA44PrivateKey, mldsa.MLDSA44PublicKey, 1312, 2420),
        id="ML-DSA-44",
    ),
    pytest.param(
        Variant("ML-DSA-65", mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey, 1952, 3309),
        id="ML-DSA-65",
    ),
    pytest.param(
        Variant("ML-DSA-87", mldsa.MLDSA87PrivateKey, mldsa.MLDSA87PublicKey, 2592, 4627),
        id="ML-DSA-87",
    ),
)


def seeds(variant: Variant) -> list[bytes]:
    """Fixed seeds, different per parameter set, plus one from the OS RNG."""
    fixed = [bytes(32), b"\xff" * 32, bytes(range(32))]
    fixed += [hashlib.sha256(f"{variant.alg} seed {i}".encode()).digest() for i in range(3)]
    return [*fixed, variant.private_key_cls.generate().private_bytes_raw()]


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_seed_gives_same_public_key(variant: Variant) -> None:
    for seed in seeds(variant):
        ours, _ = _native.keypair(variant.alg, seed)
        theirs = variant.private_key_cls.from_seed_bytes(seed).public_key().public_bytes_raw()
        assert len(ours) == variant.public_key_size
        assert ours == theirs, f"seed {seed.hex()}: public keys differ"


@pytest.mark.parametrize("ctx", CONTEXTS)
@pytest.mark.parametrize("deterministic", [True, False], ids=["deterministic", "hedged"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_our_signatures_verify_in_cryptography(
    variant: Variant, deterministic: bool, ctx: bytes
) -> None:
    seed = hashlib.sha256(b"ours " + variant.alg.encode()).digest()
    _, sk = _native.keypair(variant.alg, seed)
    theirs = variant.private_key_cls.from_seed_bytes(seed).public_key()
    signatures = _native.sign_many(
        variant.alg, sk, list(MESSAGES), ctx, deterministic=deterministic
    )
    single = [
        _native.sign(variant.alg, sk, msg, ctx, deterministic=deterministic) for msg in MESSAGES
    ]
    for msg, batch_sig, one_sig in zip(MESSAGES, signatures, single, strict=True):
        for signature in (batch_sig, one_sig):
            assert len(signature) == variant.signature_size
            theirs.verify(signature, msg, ctx)
            if not ctx:
                theirs.verify(signature, msg)  # context=None is the empty context
            other_ctx = b"other" if ctx else b"x"
            with pytest.raises(crypto_exceptions.InvalidSignature):
                theirs.verify(signature, msg, other_ctx)
            with pytest.raises(crypto_exceptions.InvalidSignature):
                theirs.verify(signature, msg + b"!", ctx)
        assert (batch_sig == one_sig) is deterministic


@pytest.mark.parametrize("ctx", CONTEXTS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_cryptography_signatures_verify_in_ours(variant: Variant, ctx: bytes) -> None:
    keys = [variant.private_key_cls.generate() for _ in range(2)]
    pks = [key.public_key().public_bytes_raw() for key in keys]
    items = [(i % 2, msg) for i, msg in enumerate(MESSAGES * 2)]
    msgs = [msg for _, msg in items]
    sigs = [keys[k].sign(msg, ctx) for k, msg in items]
    per_item_pks = [pks[k] for k, _ in items]
    for (k, msg), signature in zip(items, sigs, strict=True):
        _native.verify(variant.alg, pks[k], msg, signature, ctx)
        with pytest.raises(InvalidSignature):
            _native.verify(variant.alg, pks[1 - k], msg, signature, ctx)
        with pytest.raises(InvalidSignature):
            _native.verify(variant.alg, pks[k], msg, signature, ctx + b"?")
    assert _native.verify_many(variant.alg, per_item_pks, msgs, sigs, ctx) == [True] * len(items)
    assert _native.verify_many(variant.alg, pks[0], msgs, sigs, ctx) == [k == 0 for k, _ in items]
    if not ctx:
        signature = keys[0].sign(MESSAGES[1])  # context=None
        _native.verify(variant.alg, pks[0], MESSAGES[1], signature, b"")


@pytest.mark.parametrize("variant", VARIANTS)
def test_public_key_bytes_round_trip(variant: Variant) -> None:
    for seed in seeds(variant):
        ours, _ = _native.keypair(variant.alg, seed)
        theirs = variant.public_key_cls.from_public_bytes(ours)
        assert theirs.public_bytes_raw() == ours
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        assert theirs.public_bytes(*raw) == ours
        assert theirs == variant.private_key_cls.from_seed_bytes(seed).public_key()


@pytest.mark.parametrize("variant", VARIANTS)
def test_private_key_seed_round_trip(variant: Variant) -> None:
    for seed in seeds(variant):
        assert variant.private_key_cls.from_seed_bytes(seed).private_bytes_raw() == seed
    for _ in range(3):
        theirs = variant.private_key_cls.generate()
        their_seed = theirs.private_bytes_raw()
        pair = signing.generate_keypair(variant.alg, their_seed)
        assert pair.seed == their_seed
        assert pair.public_key == theirs.public_key().public_bytes_raw()
        signature = signing.sign(variant.alg, pair.private_key, b"m", deterministic=True)
        theirs.public_key().verify(signature, b"m", ENVELOPE_CONTEXT)
