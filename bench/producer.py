"""`SignedProducer` throughput against plain confluent-kafka producing the same payloads
unsigned, on the same broker and topic in the same run, plus the batch-signing ceiling."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from streams import signing
from streams.envelope import signed_message
from streams.errors import BrokerError
from streams.producer import SignedProducer
from streams.sequence import SequenceFile

__all__ = ["ProducerBenchConfig", "ProducerBenchResult", "format_result", "run_producer_bench"]


CONNECT_TIMEOUT_S = 15


@dataclass(frozen=True)
class ProducerBenchConfig:
    bootstrap_servers: str
    sequence_dir: Path
    count: int = 20_000
    message_bytes: int = 300
    algorithm: str = signing.DEFAULT_ALGORITHM
    partitions: int = 6
    client_config: Mapping[str, str] = field(default_factory=dict, repr=False)
    """librdkafka properties of the security settings; repr=False keeps the password out."""


@dataclass(frozen=True)
class ProducerBenchResult:
    plain_per_s: float
    signed_per_s: float
    sign_only_per_s: float
    count: int


def _timed(run: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def _create_topic(config: ProducerBenchConfig) -> tuple[AdminClient, str]:
    # librdkafka would log every failed connection attempt; the error below says it once.
    admin = AdminClient(
        {"bootstrap.servers": config.bootstrap_servers, "log_level": 0, **config.client_config}
    )
    name = f"bench-producer-{uuid.uuid4()}"
    try:
        admin.create_topics([NewTopic(name, config.partitions, 1)])[name].result(
            timeout=CONNECT_TIMEOUT_S
        )
    except (KafkaException, TimeoutError) as err:
        why = str(err) or f"no answer within {CONNECT_TIMEOUT_S} s"
        raise BrokerError(
            f"cannot create a topic on {config.bootstrap_servers} ({why}); "
            "is a broker running? `qrstream dev up` starts the local one"
        ) from err
    return admin, name


def run_producer_bench(
    config: ProducerBenchConfig, progress: Callable[[str], None] = lambda _: None
) -> ProducerBenchResult:
    payloads = [os.urandom(config.message_bytes // 2).hex().encode() for _ in range(config.count)]
    keys = [f"acct-{i % 1000}".encode() for i in range(config.count)]
    pair = signing.generate_keypair(config.algorithm)
    admin, topic = _create_topic(config)
    try:
        plain = Producer(
            {
                "bootstrap.servers": config.bootstrap_servers,
                "compression.type": "lz4",
                **config.client_config,
            }
        )

        def produce_plain() -> None:
            for key, value in zip(keys, payloads, strict=True):
                while True:
                    try:
                        plain.produce(topic, value, key)
                        break
                    except BufferError:
                        plain.poll(0.05)
                plain.poll(0)
            plain.flush(60)

        progress(f"plain confluent-kafka: {config.count} records ...")
        plain_rate = _timed(produce_plain, config.count)

        messages = [
            signed_message(topic, k, 1, i, "bench/p1", v)
            for i, (k, v) in enumerate(zip(keys, payloads, strict=True))
        ]
        progress(f"batch signing only: {config.count} records ...")
        sign_rate = _timed(
            lambda: signing.sign_many(config.algorithm, pair.private_key, messages),
            config.count,
        )

        sequence = SequenceFile(config.sequence_dir / f"{uuid.uuid4()}.seq")
        producer = SignedProducer(
            config.bootstrap_servers,
            key_id="bench/p1",
            keypair=pair,
            sequence=sequence,
            config=config.client_config,
        )

        def produce_signed() -> None:
            for key, value in zip(keys, payloads, strict=True):
                producer.produce(topic, key, value)
            producer.close(60)

        progress(f"SignedProducer ({config.algorithm}): {config.count} records ...")
        signed_rate = _timed(produce_signed, config.count)
        if producer.stats.delivered != config.count:
            raise BrokerError(
                f"SignedProducer delivered {producer.stats.delivered} of {config.count}"
            )
    finally:
        admin.delete_topics([topic])
    return ProducerBenchResult(plain_rate, signed_rate, sign_rate, config.count)


def format_result(result: ProducerBenchResult, config: ProducerBenchConfig) -> str:
    rows = [
        ("plain confluent-kafka (unsigned)", result.plain_per_s),
        (f"SignedProducer ({config.algorithm})", result.signed_per_s),
        (f"batch signing only ({config.algorithm}, all cores)", result.sign_only_per_s),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{'':{width}}  {'records/s':>10}  {'vs plain':>8}"]
    lines += [
        f"{name:{width}}  {rate:>10,.0f}  {rate / result.plain_per_s:>7.2f}x" for name, rate in rows
    ]
    return "\n".join(lines)
