"""Valid example messages of every schema, as JSON objects: they go into the JSON Schema files
(`examples`) for producers in other languages, and the tests check both the models and the
files accept them.

The telemetry examples are Zeek test-suite handshakes (shared/data/tls): a post-quantum hybrid
key exchange over QUIC, an ML-DSA-44 certificate, and a failed handshake.
"""

from __future__ import annotations

import base64
from typing import Any

__all__ = ["EXAMPLES"]

_TS = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
# Any bytes of the right length will do for a schema example; a real key comes from `keys`.
_PUBLIC_KEY_65 = base64.b64encode(bytes(range(256)) * 7 + bytes(160)).decode()

EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "transaction": [
        {
            "schema_version": 1,
            "event_id": "3f1c2a4e-8b7d-4c1e-9a2f-6d5e4b3c2a10",
            "ts_us": _TS,
            "sender_account": "DE89370400440532013000",
            "receiver_account": "GB29NWBK60161331926819",
            "sender_name": "Erika Mustermann",
            "receiver_name": "Northwind Trading Ltd",
            "amount": "9450.00",
            "currency": "EUR",
            "channel": "wire",
            "sender_country": "DE",
            "receiver_country": "GB",
            "sender_bank": "COBADEFFXXX",
            "receiver_bank": "NWBKGB2L",
            "reference": "INV 2026-0113",
        },
        {
            "event_id": "b8e0d6c2-1f3a-4e5b-8c7d-9a0b1c2d3e4f",
            "ts_us": _TS + 1_500_000,
            "sender_account": "tok_4111b7c9e2",
            "receiver_account": "merchant:JP-883201",
            "amount": "12800",
            "currency": "JPY",
            "channel": "card",
            "sender_country": "US",
            "receiver_country": "JP",
            "mcc": "5411",
        },
    ],
    "telemetry": [
        {
            "schema_version": 1,
            "event_id": "0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
            "ts_us": _TS,
            "sensor": "zeek/dc1-tap3",
            "uid": "CHhAvVGS1DHFjwGM9",
            "protocol": "quic",
            "orig_h": "192.168.4.149",
            "orig_p": 51833,
            "resp_h": "2a00:1450:4001:82b::2003",
            "resp_p": 443,
            "server_name": "www.google.de",
            "service": "quic,ssl",
            "version": "TLSv13",
            "cipher": "TLS_AES_128_GCM_SHA256",
            "group": "X25519MLKEM768",
            "client_versions": ["TLSv13"],
            "client_groups": ["X25519MLKEM768", "x25519", "secp256r1", "secp384r1"],
            "client_key_shares": ["X25519MLKEM768", "x25519"],
            "resumed": False,
            "established": True,
            "next_protocol": "h3",
            "orig_bytes": 2840,
            "resp_bytes": 48213,
        },
        {
            "event_id": "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
            "ts_us": _TS + 250_000,
            "sensor": "zeek/lab",
            "orig_h": "10.0.0.1",
            "orig_p": 55001,
            "resp_h": "10.0.0.2",
            "resp_p": 443,
            "version": "TLSv12",
            "cipher": "TLS_RSA_WITH_AES_128_CBC_SHA",
            "established": False,
            "cert": {
                "fingerprint": "fd95785a038018dccb84cd816602920a1e010d8acd9ce63407aa68440f595758",
                "subject": "CN=ml-dsa.example.com,O=PQC-Test,C=US",
                "issuer": "CN=ml-dsa.example.com,O=PQC-Test,C=US",
                "serial": "6CC93D07602EC79CFD5201B425D1A93C7023197F",
                "not_valid_before_us": 1_775_199_968_000_000,
                "not_valid_after_us": 1_806_735_968_000_000,
                "key_alg": "ML-DSA-44",
                "key_type": "ML-DSA-44",
                "key_length": 10496,
                "sig_alg": "ML-DSA-44",
            },
        },
        {
            "event_id": "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b",
            "ts_us": _TS + 900_000,
            "sensor": "zeek/dc1-tap3",
            "orig_h": "192.168.6.203",
            "orig_p": 53226,
            "resp_h": "52.32.149.186",
            "resp_p": 443,
            "server_name": "tls13.crypto.mozilla.org",
            "client_versions": ["TLSv12", "TLSv11", "TLSv10"],
            "client_groups": ["x25519", "secp256r1"],
            "established": False,
            "last_alert": "protocol_version",
        },
    ],
    "alert": [
        {
            "schema_version": 1,
            "alert_id": "7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a",
            "kind": "aml",
            "typology": "structuring",
            "severity": "high",
            "score": 0.93,
            "entity": "DE89370400440532013000",
            "event_ids": [
                "3f1c2a4e-8b7d-4c1e-9a2f-6d5e4b3c2a10",
                "b8e0d6c2-1f3a-4e5b-8c7d-9a0b1c2d3e4f",
            ],
            "reasons": [
                {
                    "source": "rule",
                    "name": "deposits_below_threshold_24h",
                    "value": 4,
                    "threshold": 3,
                    "text": "4 transfers just below 10000 EUR within 24 hours",
                },
                {
                    "source": "feature",
                    "name": "amount_zscore",
                    "value": 3.7,
                    "threshold": 3.0,
                    "text": "amounts far above this account's usual",
                },
            ],
            "model_version": "aml-2026.01.1",
            "producer_ts_us": _TS,
            "detected_ts_us": _TS + 4_210,
            "count": 1,
        },
        {
            "alert_id": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
            "kind": "quantum",
            "typology": "pq_downgrade",
            "severity": "medium",
            "score": 0.71,
            "entity": "tls13.crypto.mozilla.org",
            "event_ids": ["9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b"],
            "reasons": [
                {
                    "source": "feature",
                    "name": "group",
                    "value": "x25519",
                    "text": "classical key exchange although the server offered X25519MLKEM768",
                }
            ],
            "model_version": "quantum-2026.01.1",
            "producer_ts_us": _TS + 900_000,
            "detected_ts_us": _TS + 903_000,
            "count": 3,
        },
    ],
    "score": [
        {
            "schema_version": 1,
            "event_id": "3f1c2a4e-8b7d-4c1e-9a2f-6d5e4b3c2a10",
            "kind": "aml",
            "entity": "DE89370400440532013000",
            "score": 0.93,
            "model_version": "aml-2026.01.1",
            "alerted": True,
            "producer_ts_us": _TS,
            "ingest_ts_us": _TS + 1_800,
            "verified_ts_us": _TS + 2_350,
            "scored_ts_us": _TS + 3_900,
            "emitted_ts_us": _TS + 4_210,
        }
    ],
    "quarantine": [
        {
            "schema_version": 1,
            "reason": "bad_signature",
            "detail": "ML-DSA-65 signature does not verify",
            "topic": "qr.transactions",
            "partition": 3,
            "offset": 918273,
            "record_ts_us": _TS,
            "key_b64": "REU4OTM3MDQwMDQ0MDUzMjAxMzAwMA==",
            "value_b64": "eyJhbW91bnQiOiI5OTk5OTkuMDAifQ==",
            "headers": [
                {"name": "qr-v", "value_b64": "MQ=="},
                {"name": "qr-alg", "value_b64": "TUwtRFNBLTY1"},
                {"name": "qr-kid", "value_b64": "YmFuay1jb3JlL3Ax"},
                {"name": "trace", "value_b64": None},
            ],
            "kid": "bank-core/p1",
            "detected_ts_us": _TS + 2_100,
        },
        {
            "reason": "missing_header",
            "detail": "no qr-sig header",
            "topic": "qr.telemetry",
            "partition": 0,
            "offset": 17,
            "key_b64": None,
            "value_b64": "bm90IGpzb24=",
            "detected_ts_us": _TS + 5_000,
        },
    ],
    "key": [
        {
            "schema_version": 1,
            "kid": "bank-core/p1",
            "algorithm": "ML-DSA-65",
            "public_key_b64": _PUBLIC_KEY_65,
            "owner": "Core banking, payments team",
            "valid_from_us": _TS,
            "valid_to_us": _TS + 90 * 86_400_000_000,
            "revoked_at_us": None,
        }
    ],
    "feedback": [
        {
            "schema_version": 1,
            "label_id": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b",
            "event_id": "3f1c2a4e-8b7d-4c1e-9a2f-6d5e4b3c2a10",
            "entity": "DE89370400440532013000",
            "alert_id": "7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a",
            "kind": "aml",
            "typology": "structuring",
            "label": "positive",
            "analyst": "j.doe",
            "ts_us": _TS + 86_400_000_000,
            "note": "confirmed with the branch; SAR filed",
        },
        {
            "label_id": "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f",
            "entity": "tls13.crypto.mozilla.org",
            "kind": "quantum",
            "label": "negative",
            "analyst": "a.smith",
            "ts_us": _TS + 90_000_000_000,
        },
    ],
}
