"""Name tables for the algorithms of a handshake: protocol versions, cipher suites, key-exchange
groups, certificate keys and signature algorithms.

Sensors spell the same algorithm many ways: Zeek writes `X25519MLKEM768` (or `unknown-4588`
before it knew the code point, or `4588` in ssl-log-ext's `client_curves`), OpenSSL writes
`X25519MLKEM768` or `x25519_mlkem768`, OQS `x25519_kyber768`, and code points turn up as
`0x11EC`. Every lookup normalises the name, tries the tables, then falls back to substring
markers, so a group nobody listed yet (`mlkem768x25519-sha256` for SSH) is still classified.
Lookups are cached: a sensor reports few distinct names, so after warm-up each is one dict hit.

Examples
--------
>>> group_info("unknown-4588")
GroupInfo(name='X25519MLKEM768', kind='pq_hybrid', weak=False)
>>> group_info("x25519_mlkem768").kind, group_info("0x6399").name
('pq_hybrid', 'X25519Kyber768Draft00')
>>> group_info("x25519").kind, group_info("grease_0x0A0A").kind, group_info("39578").kind
('classical', 'grease', 'grease')
>>> version_info("unknown-32257", "tls"), version_info("TLSv10", "tls")
(VersionInfo(name='TLSv13', legacy=False), VersionInfo(name='TLSv10', legacy=True))
>>> c = cipher_info("TLS_RSA_WITH_RC4_128_MD5", "tls")
>>> c.kx, sorted(c.flags)
('RSA', ['md5_mac', 'rc4', 'static_rsa'])
>>> key_class("ML-DSA-44"), key_class("id-ecPublicKey"), sig_hash("sha1WithRSAEncryption")
('pq', 'ecdsa', 'sha1')
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, NamedTuple

__all__ = [
    "PK_KX",
    "PSK_KX",
    "WEAK_HASHES",
    "CipherInfo",
    "GroupInfo",
    "GroupKind",
    "VersionInfo",
    "cipher_info",
    "group_info",
    "key_class",
    "sig_hash",
    "version_info",
]

GroupKind = Literal["classical", "pq_hybrid", "pq", "grease", "unknown"]
# Distinct strings seen in practice are a few hundred; the bound only stops a hostile sensor
# from growing the caches without limit.
_CACHE = 4096
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_CODE = re.compile(r"^(?:unknown-|grease_)?(0x[0-9a-f]{1,4}|[0-9]{1,5})$")


def _norm(name: str) -> str:
    return _NON_ALNUM.sub("", name.lower())


def _code(name: str) -> int | None:
    """The numeric code point in `unknown-4588`, `0x11EC`, `4588` or `grease_0x0A0A`."""
    m = _CODE.match(name.lower())
    if m is None:
        return None
    text = m.group(1)
    value = int(text, 16) if text.startswith("0x") else int(text)
    return value if value <= 0xFFFF else None


def _is_grease(code: int) -> bool:
    # RFC 8701: 0x0A0A, 0x1A1A, ..., 0xFAFA.
    return (code & 0x0F0F) == 0x0A0A and (code >> 8) == (code & 0xFF)


# --- protocol versions ------------------------------------------------------------------------


class VersionInfo(NamedTuple):
    name: str
    """Zeek's spelling: SSLv2 ... TLSv13, DTLSv10 ... DTLSv13, or SSHv1/SSHv2."""
    legacy: bool


_VERSION_CODES = {
    0x0002: "SSLv2",
    0x0300: "SSLv3",
    0x0301: "TLSv10",
    0x0302: "TLSv11",
    0x0303: "TLSv12",
    0x0304: "TLSv13",
    0xFEFF: "DTLSv10",
    0xFEFD: "DTLSv12",
    0xFEFC: "DTLSv13",
}
_VERSION_NAMES = {
    **{_norm(v): v for v in _VERSION_CODES.values()},
    "ssl2": "SSLv2",
    "ssl20": "SSLv2",
    "sslv20": "SSLv2",
    "ssl3": "SSLv3",
    "ssl30": "SSLv3",
    "sslv30": "SSLv3",
    "tls1": "TLSv10",
    "tlsv1": "TLSv10",
    "tls10": "TLSv10",
    "tls11": "TLSv11",
    "tls12": "TLSv12",
    "tls13": "TLSv13",
    "dtls1": "DTLSv10",
    "dtlsv1": "DTLSv10",
    "dtls10": "DTLSv10",
    "dtls12": "DTLSv12",
    "dtls13": "DTLSv13",
}
# DTLS 1.0 is TLS 1.1 over datagrams; RFC 8996 deprecates both with TLS 1.0.
LEGACY_VERSIONS = frozenset({"SSLv2", "SSLv3", "TLSv10", "TLSv11", "DTLSv10", "SSHv1"})


@lru_cache(maxsize=_CACHE)
def version_info(name: str, protocol: str = "tls") -> VersionInfo | None:
    """The negotiated version in Zeek's spelling, or None if it cannot be read."""
    if protocol == "ssh":
        # ssh.log's `version` is the protocol major version; 1.99 means "2, with 1 fallback".
        canon = {"1": "SSHv1", "15": "SSHv1", "2": "SSHv2", "20": "SSHv2", "199": "SSHv2"}.get(
            _norm(name)
        )
    else:
        code = _code(name)
        if code is not None:
            canon = _VERSION_CODES.get(code)
            # 0x7Fxx are TLS 1.3 drafts, 0x7Exx Facebook's variants of them (Zeek prints
            # those as unknown-32257 and so on).
            if canon is None and code >> 8 in (0x7E, 0x7F):
                canon = "TLSv13"
        else:
            key = _norm(name)
            canon = _VERSION_NAMES.get(key)
            if canon is None and key.startswith("tlsv13draft"):
                canon = "TLSv13"
    return None if canon is None else VersionInfo(canon, canon in LEGACY_VERSIONS)


# --- key-exchange groups ----------------------------------------------------------------------


class GroupInfo(NamedTuple):
    name: str
    """Zeek's name for known code points, else the name as reported."""
    kind: GroupKind
    weak: bool
    """Classically weak: binary or prime curves under 224 bits, explicit curves, 1024-bit DH."""


_CLASSICAL_CODES = {
    1: "sect163k1",
    2: "sect163r1",
    3: "sect163r2",
    4: "sect193r1",
    5: "sect193r2",
    6: "sect233k1",
    7: "sect233r1",
    8: "sect239k1",
    9: "sect283k1",
    10: "sect283r1",
    11: "sect409k1",
    12: "sect409r1",
    13: "sect571k1",
    14: "sect571r1",
    15: "secp160k1",
    16: "secp160r1",
    17: "secp160r2",
    18: "secp192k1",
    19: "secp192r1",
    20: "secp224k1",
    21: "secp224r1",
    22: "secp256k1",
    23: "secp256r1",
    24: "secp384r1",
    25: "secp521r1",
    26: "brainpoolP256r1",
    27: "brainpoolP384r1",
    28: "brainpoolP512r1",
    29: "x25519",
    30: "x448",
    31: "brainpoolP256r1tls13",
    32: "brainpoolP384r1tls13",
    33: "brainpoolP512r1tls13",
    34: "GC256A",
    35: "GC256B",
    36: "GC256C",
    37: "GC256D",
    38: "GC512A",
    39: "GC512B",
    40: "GC512C",
    41: "curveSM2",
    256: "ffdhe2048",
    257: "ffdhe3072",
    258: "ffdhe4096",
    259: "ffdhe6144",
    260: "ffdhe8192",
    0xFF01: "arbitrary_explicit_prime_curves",
    0xFF02: "arbitrary_explicit_char2_curves",
}
_PQ_CODES = {0x0200: "MLKEM512", 0x0201: "MLKEM768", 0x0202: "MLKEM1024"}
_HYBRID_CODES = {
    0x11EB: "SecP256r1MLKEM768",
    0x11EC: "X25519MLKEM768",
    0x11ED: "SecP384r1MLKEM1024",
    0x11EE: "curveSM2MLKEM768",
    0x4138: "CECPQ2",
    0x6399: "X25519Kyber768Draft00",
    0x639A: "SecP256r1Kyber768Draft00",
    # Cloudflare's early experiment code points.
    0xFE30: "X25519Kyber512Draft00",
    0xFE31: "X25519Kyber768Draft00",
    0xFE32: "P256Kyber768Draft00",
}
_WEAK_CODES = frozenset({1, 2, 3, 4, 5, 15, 16, 17, 18, 19, 0xFF01, 0xFF02})

_GROUP_BY_CODE: dict[int, GroupInfo] = {
    **{c: GroupInfo(n, "classical", c in _WEAK_CODES) for c, n in _CLASSICAL_CODES.items()},
    **{c: GroupInfo(n, "pq", False) for c, n in _PQ_CODES.items()},
    **{c: GroupInfo(n, "pq_hybrid", False) for c, n in _HYBRID_CODES.items()},
}
_GROUP_BY_NAME: dict[str, GroupInfo] = {
    _norm(g.name): g for c, g in sorted(_GROUP_BY_CODE.items(), reverse=True)
}
_ALIASES = {
    # Other libraries' names for the same groups.
    "prime256v1": 23,
    "p256": 23,
    "nistp256": 23,
    "p384": 24,
    "nistp384": 24,
    "p521": 25,
    "nistp521": 25,
    "curve25519": 29,
    "curve448": 30,
    "x25519kyber768": 0x6399,
    "x25519kyber512": 0xFE30,
    "p256kyber768": 0x639A,
    "p256mlkem768": 0x11EB,
    "p384mlkem1024": 0x11ED,
    "mlkem768x25519": 0x11EC,
    "x25519mlkem768": 0x11EC,
}
_GROUP_BY_NAME.update({alias: _GROUP_BY_CODE[code] for alias, code in _ALIASES.items()})
# SSH key exchange (ssh.log `kex_alg`), which the telemetry schema carries as `group`.
_SSH_KEX = {
    "diffie-hellman-group1-sha1": GroupInfo("diffie-hellman-group1-sha1", "classical", True),
    "rsa1024-sha1": GroupInfo("rsa1024-sha1", "classical", True),
    "mlkem768x25519-sha256": GroupInfo("mlkem768x25519-sha256", "pq_hybrid", False),
    "sntrup761x25519-sha512": GroupInfo("sntrup761x25519-sha512", "pq_hybrid", False),
    "sntrup761x25519-sha512@openssh.com": GroupInfo(
        "sntrup761x25519-sha512@openssh.com", "pq_hybrid", False
    ),
}
_GROUP_BY_NAME.update({_norm(k): g for k, g in _SSH_KEX.items()})

_PQ_MARKERS = ("mlkem", "kyber", "sntrup", "ntru", "frodo", "hqc", "bike", "mceliece", "cecpq")
_CLASSICAL_MARKERS = (
    "x25519",
    "x448",
    "curve25519",
    "curve448",
    "secp",
    "sect",
    "nistp",
    "brainpool",
    "ffdhe",
    "prime256",
    "p256",
    "p384",
    "p521",
    "ecdh",
    "diffiehellman",
    "sm2",
    "rsa",
)


@lru_cache(maxsize=_CACHE)
def group_info(name: str) -> GroupInfo:
    """Classify a key-exchange group by name or code point."""
    code = _code(name)
    if code is not None:
        if _is_grease(code):
            return GroupInfo(name, "grease", False)
        return _GROUP_BY_CODE.get(code) or GroupInfo(name, "unknown", False)
    key = _norm(name)
    known = _GROUP_BY_NAME.get(key)
    if known is not None:
        return known
    if key.startswith("grease"):
        return GroupInfo(name, "grease", False)
    pq = any(m in key for m in _PQ_MARKERS)
    classical = any(m in key for m in _CLASSICAL_MARKERS)
    if pq:
        return GroupInfo(name, "pq_hybrid" if classical else "pq", False)
    return GroupInfo(name, "classical" if classical else "unknown", False)


# --- cipher suites ----------------------------------------------------------------------------


class CipherInfo(NamedTuple):
    kx: str
    """Key exchange of the suite: RSA, DHE, ECDHE, DH, ECDH, ANON, PSK, RSA_PSK, DHE_PSK,
    ECDHE_PSK, SRP, KRB5, GOST, CECPQ1, NULL, or TLS13 / SSH where the group decides."""
    flags: frozenset[str]
    """Properties: static_rsa, anon_kx, export_cipher, null_cipher, rc4, des, 3des, block64
    (64-bit block ciphers other than 3DES), cbc, aead, sha1_mac, md5_mac."""


# Key exchanges built on RSA, finite-field or elliptic-curve discrete logs: Shor's algorithm
# recovers their secrets, so recorded traffic can be decrypted later.
PK_KX = frozenset({"RSA", "DHE", "ECDHE", "DH", "ECDH", "ANON", "SRP", "GOST", "RSA_PSK", "ECCPWD"})
# Secrets from a pre-shared key alone (or mixed with a DH share) are out of Shor's reach.
PSK_KX = frozenset({"PSK", "DHE_PSK", "ECDHE_PSK", "KRB5"})
_KX_PREFIXES = (
    ("ECDHE_PSK", "ECDHE_PSK"),
    ("ECDHE", "ECDHE"),
    ("ECDH_ANON", "ANON"),
    ("ECDH", "ECDH"),
    ("DHE_PSK", "DHE_PSK"),
    ("DHE", "DHE"),
    ("DH_ANON", "ANON"),
    ("DH", "DH"),
    ("RSA_PSK", "RSA_PSK"),
    ("RSA", "RSA"),
    ("PSK", "PSK"),
    ("SRP", "SRP"),
    ("KRB5", "KRB5"),
    ("GOST", "GOST"),
    ("CECPQ1", "CECPQ1"),
    ("ECCPWD", "ECCPWD"),
    ("NULL", "NULL"),
)
_OPENSSL_KX = {
    "ECDHE": "ECDHE",
    "EECDH": "ECDHE",
    "DHE": "DHE",
    "EDH": "DHE",
    "ADH": "ANON",
    "AECDH": "ANON",
    "ECDH": "ECDH",
    "DH": "DH",
    "PSK": "PSK",
    "SRP": "SRP",
}
_BLOCK64 = frozenset({"IDEA", "RC2", "BLOWFISH", "CAST", "CAST128"})
_AEAD = frozenset({"GCM", "CCM", "CCM8", "POLY1305", "CHACHA20", "AEGIS", "OCB"})
_BLOCK = frozenset({"AES", "AES128", "AES256", "CAMELLIA", "CAMELLIA128", "CAMELLIA256",
                    "ARIA", "SEED", "DES", "IDEA", "CBC3", "3DES", "SM4"})  # fmt: skip
_OPENSSL_BULK = _BLOCK | _AEAD | {"RC4", "RC2", "NULL", "CBC"}


def _bulk_flags(tokens: list[str], flags: set[str]) -> None:
    """Flags of the bulk cipher and MAC part of a suite, from its upper-case tokens."""
    tset = set(tokens)
    if (tokens and tokens[0] == "NULL") or ("NULL" in tset and not tset & _BLOCK):
        flags.add("null_cipher")
    if any(t.startswith(("RC4", "ARCFOUR")) for t in tokens):
        flags.add("rc4")
    if tset & {"3DES", "EDE3", "CBC3", "TRIPLEDES"} or ("EDE" in tset and "DES" in tset):
        flags.add("3des")
    elif tset & {"DES", "DES40"}:
        flags.add("des")
    if tset & _BLOCK64 or any(t.startswith("RC2") for t in tokens):
        flags.add("block64")
    if "EXPORT" in tset or "EXPORT40" in tset or "EXP" in tset:
        flags.add("export_cipher")
    if tset & _AEAD:
        flags.add("aead")
    elif "CBC" in tset or tset & _BLOCK:
        flags.add("cbc")
    last = tokens[-1] if tokens else ""
    if last == "SHA":
        flags.add("sha1_mac")
    elif last == "MD5":
        flags.add("md5_mac")
    if "cbc" in flags and "sha1_mac" in flags:
        flags.add("cbc_sha1")


def _iana_suite(upper: str) -> CipherInfo:
    flags: set[str] = set()
    if upper.startswith("SSLV20_CK_"):
        # SSLv2 suites always use RSA key transport.
        kx, bulk = "RSA", upper[len("SSLV20_CK_") :].replace("_WITH_", "_")
    elif "_WITH_" in upper:
        left, bulk = upper.split("_WITH_", 1)
        left = left.split("_", 1)[1] if "_" in left else left  # drop TLS_ / SSL_
        kx = next((fam for p, fam in _KX_PREFIXES if left.startswith(p)), left)
        if "EXPORT" in left:
            flags.add("export_cipher")
    else:
        # TLS 1.3 (TLS_AES_128_GCM_SHA256): the group carries the key exchange.
        kx, bulk = "TLS13", upper.split("_", 1)[1]
        if all(t.startswith("SHA") for t in bulk.split("_")):
            flags.add("null_cipher")  # RFC 9150 integrity-only suites (TLS_SHA256_SHA256)
    _bulk_flags(bulk.split("_"), flags)
    return CipherInfo(kx, frozenset(flags))


def _openssl_suite(upper: str) -> CipherInfo:
    tokens = upper.split("-")
    flags: set[str] = set()
    if tokens[0] == "EXP":
        flags.add("export_cipher")
        tokens = tokens[1:]
    kx = "RSA"
    if tokens and tokens[0] in _OPENSSL_KX:
        kx = _OPENSSL_KX[tokens[0]]
        tokens = tokens[1:]
        if kx in ("ECDHE", "DHE", "ECDH", "DH") and tokens and tokens[0] in ("RSA", "ECDSA"):
            tokens = tokens[1:]
        elif kx == "PSK" and tokens and tokens[0] == "RSA":
            kx = "RSA_PSK"
    elif tokens[:2] == ["RSA", "PSK"]:
        kx, tokens = "RSA_PSK", tokens[2:]
    elif not set(tokens) & _OPENSSL_BULK:
        # Not a suite name we can read: guessing static RSA here would invent findings.
        return CipherInfo("UNKNOWN", frozenset())
    _bulk_flags(tokens, flags)
    return CipherInfo(kx, frozenset(flags))


def _ssh_cipher(lower: str) -> CipherInfo:
    tokens = [t.upper() for t in re.split(r"[-@.]", lower) if t]
    flags: set[str] = set()
    if tokens == ["NONE"]:
        flags.add("null_cipher")
    else:
        _bulk_flags(tokens, flags)
        flags.discard("sha1_mac")
        flags.discard("cbc_sha1")
    if "CTR" in tokens:
        flags.discard("cbc")
    return CipherInfo("SSH", frozenset(flags))


@lru_cache(maxsize=_CACHE)
def cipher_info(name: str, protocol: str = "tls") -> CipherInfo:
    """Key exchange and weakness flags of a negotiated cipher suite (IANA names as Zeek logs
    them, OpenSSL names, or SSH cipher names when `protocol` is ssh)."""
    if protocol == "ssh":
        return _ssh_cipher(name.lower())
    if _code(name) is not None:
        return CipherInfo("UNKNOWN", frozenset())  # Zeek's unknown-NNNN: nothing to go on
    upper = name.upper()
    info = _iana_suite(upper) if "_" in upper else _openssl_suite(upper)
    if info.kx in ("RSA", "RSA_PSK"):
        # Static RSA key transport: no forward secrecy, the server key decrypts every session.
        info = CipherInfo(info.kx, info.flags | {"static_rsa"})
    elif info.kx == "ANON":
        info = CipherInfo(info.kx, info.flags | {"anon_kx"})
    return info


# --- certificate keys and signatures ----------------------------------------------------------

_PQ_SIG_MARKERS = ("mldsa", "slhdsa", "dilithium", "falcon", "fndsa", "sphincs", "xmss")
_CLASSICAL_SIG_MARKERS = ("rsa", "ecdsa", "ecpublickey", "ed25519", "ed448", "p256", "p384")
WEAK_HASHES = frozenset({"md2", "md4", "md5", "sha1"})
_HASH = re.compile(
    r"(md[245]|sha-?1(?![0-9])|sha3-?(?:224|256|384|512)|sha-?(?:224|256|384|512)|sm3)"
)


@lru_cache(maxsize=_CACHE)
def key_class(name: str) -> str:
    """Family of a public key or signature algorithm: pq, pq_hybrid (composite), rsa, ecdsa,
    eddsa, dsa, gost or unknown."""
    key = _norm(name)
    if any(m in key for m in _PQ_SIG_MARKERS):
        return "pq_hybrid" if any(m in key for m in _CLASSICAL_SIG_MARKERS) else "pq"
    if "ecdsa" in key or "ecpublickey" in key or key in ("ec", "ecc"):
        return "ecdsa"
    if "ed25519" in key or "ed448" in key:
        return "eddsa"
    if "rsa" in key:
        return "rsa"
    if "dsa" in key or "dss" in key:
        return "dsa"
    if "gost" in key:
        return "gost"
    return "unknown"


@lru_cache(maxsize=_CACHE)
def sig_hash(name: str) -> str | None:
    """The hash of a signature algorithm (md5, sha1, sha256, sha3-256, ...), None if the name
    does not say (RSASSA-PSS, EdDSA and ML-DSA hash internally)."""
    m = _HASH.search(name.lower())
    if m is None:
        return None
    h = m.group(1)
    return h if h.startswith("sha3") else h.replace("-", "")
