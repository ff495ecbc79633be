"""The signing facade `streams.signing` over the native ML-DSA module: defaults, algorithm
dispatch, key pair handling. It calls into `streams._native`, hence the `native` marker."""

from __future__ import annotations

import pytest

from streams import _native, signing
from streams.errors import InvalidSignature, UnknownAlgorithm

pytestmark = pytest.mark.native


def test_defaults() -> None:
    assert signing.DEFAULT_ALGORITHM == "ML-DSA-65"
    assert signing.ENVELOPE_CONTEXT == b"qrstream/v1"
    pair = signing.generate_keypair()
    assert pair.algorithm == "ML-DSA-65"
    sizes = signing.parameter_sizes("ML-DSA-65")
    assert sizes == signing.ParameterSizes(1952, 4032, 3309)
    assert (len(pair.public_key), len(pair.private_key)) == (sizes.public_key, sizes.private_key)
    assert pair.seed is not None
    assert len(pair.seed) == 32


def test_default_context_is_the_envelope_context() -> None:
    pair = signing.generate_keypair("ML-DSA-65", bytes(range(32)))
    message = b"envelope body"
    signature = signing.sign(pair.algorithm, pair.private_key, message)
    _native.verify(pair.algorithm, pair.public_key, message, signature, b"qrstream/v1")
    with pytest.raises(InvalidSignature):
        _native.verify(pair.algorithm, pair.public_key, message, signature, b"")
    signing.verify(pair.algorithm, pair.public_key, message, signature)
    with pytest.raises(InvalidSignature):
        signing.verify(pair.algorithm, pair.public_key, message, signature, b"")

    batch = signing.sign_many(pair.algorithm, pair.private_key, [message, b"second"])
    assert _native.verify_many(
        pair.algorithm, pair.public_key, [message, b"second"], batch, b"qrstream/v1"
    ) == [True, True]
    assert _native.verify_many(
        pair.algorithm, pair.public_key, [message, b"second"], batch, b""
    ) == [False, False]
    assert signing.verify_many(pair.algorithm, pair.public_key, [message, b"x"], batch) == [
        True,
        False,
    ]


def test_facade_matches_the_native_module() -> None:
    pair = signing.generate_keypair("ML-DSA-44", b"\x01" * 32)
    assert (pair.public_key, pair.private_key) == _native.keypair("ML-DSA-44", b"\x01" * 32)
    signature = signing.sign("ML-DSA-44", pair.private_key, b"m", deterministic=True)
    assert signature == _native.sign(
        "ML-DSA-44", pair.private_key, b"m", b"qrstream/v1", deterministic=True
    )
    assert signing.sign_many("ML-DSA-44", pair.private_key, [b"m"], deterministic=True) == [
        signature
    ]


@pytest.mark.parametrize("name", ["ML-DSA-66", "ml-dsa-65", "RSA-2048", ""])
def test_unknown_algorithm(name: str) -> None:
    with pytest.raises(UnknownAlgorithm) as info:
        signing.backend_for(name)
    assert info.value.name == name
    assert info.value.known == signing.MLDSA_ALGORITHMS + signing.OQS_ALGORITHMS
    assert repr(name) in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(UnknownAlgorithm):
        signing.generate_keypair(name, bytes(32))
    with pytest.raises(UnknownAlgorithm):
        signing.parameter_sizes(name)
    with pytest.raises(UnknownAlgorithm):
        signing.sign(name, b"", b"m")


@pytest.mark.parametrize("alg", signing.MLDSA_ALGORITHMS)
def test_backend_for_mldsa_is_the_native_backend(alg: str) -> None:
    backend = signing.backend_for(alg)
    assert backend is signing.backend_for("ML-DSA-65")
    assert alg in backend.algorithms


def test_keypair_repr_hides_private_material() -> None:
    pair = signing.generate_keypair("ML-DSA-44", b"\xab" * 32)
    assert pair.seed is not None
    for text in (repr(pair), str(pair)):
        assert "ML-DSA-44" in text
        assert "private_key" not in text
        assert "seed" not in text
        # The private key starts with rho, which the public key shares; K after it is secret.
        for secret in (pair.private_key, pair.seed, pair.private_key[32:64]):
            assert repr(secret)[2:-1] not in text
            assert secret.hex() not in text


def test_generate_keypair_is_a_function_of_the_seed() -> None:
    for alg in signing.MLDSA_ALGORITHMS:
        seed = bytes(range(32, 64))
        first, again = signing.generate_keypair(alg, seed), signing.generate_keypair(alg, seed)
        assert first == again
        assert first.seed == seed
        assert signing.generate_keypair(alg, bytearray(seed)) == first
        other = signing.generate_keypair(alg, bytes(32))
        assert other.public_key != first.public_key
        assert other.private_key != first.private_key
    random_pairs = [signing.generate_keypair("ML-DSA-65") for _ in range(2)]
    assert random_pairs[0].seed != random_pairs[1].seed
    assert random_pairs[0].public_key != random_pairs[1].public_key


def test_wrong_seed_length_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^ML-DSA-65 seed is 32 bytes long$"):
        signing.generate_keypair("ML-DSA-65", bytes(31))
