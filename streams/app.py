"""The Faust application of a qrstream worker: topics, tables and agents, built once from the
settings. Any number of workers with the same app id form one consumer group; each one needs
its own `worker_id` (state directory, processor key id)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import faust
from faust import Stream
from faust.types import EventT, StreamT, TopicT
from mode.types.signals import BaseSignalT

from models.aml import AmlConfig, AmlRulesConfig
from models.base import Estimator
from models.checkpoint import Checkpointer
from models.quantum import QuantumRulesConfig, exfil_model
from models.sanctions import SanctionsConfig, load_screener
from streams import metrics
from streams.agents.inputs import AcceptedHandler, InputAgent, VerifiedBatch, guarded
from streams.alerts import AlertDeduper, AlertSigner
from streams.errors import ConfigError
from streams.kafka_config import faust_credentials, librdkafka_config
from streams.keys.registry import KeyRegistry, load_root_public_key
from streams.keys.store import KeyStore
from streams.keys.topic import load_registry
from streams.output_table import output_table
from streams.outputs import Outputs, OutputTopic
from streams.scoring.aml import AmlScorer, anomaly_model, classifier_model
from streams.scoring.emit import Emitter, observe_end_to_end
from streams.scoring.feedback import FeatureCache, FeedbackLearner
from streams.scoring.hosts import HostScorer
from streams.scoring.integrity import IntegrityMonitor
from streams.scoring.telemetry import TelemetryScorer
from streams.sequence import SequenceFile
from streams.settings import Settings
from streams.table_replay import TableReplayGuard
from streams.verifier import Verifier, VerifierLimits
from topics.messages import TelemetryEvent, Transaction
from topics.specs import ALERTS, FEEDBACK, QUARANTINE, SCORES, TELEMETRY, TRANSACTIONS

__all__ = ["MODEL_VERSION", "Worker", "build_worker", "faust_app"]

M = TypeVar("M", bound=Estimator)

logger = logging.getLogger(__name__)

# Version of the rules and models, carried by every alert and score record.
MODEL_VERSION = "qrstream.1"


@dataclass
class Worker:
    app: faust.App
    verifiers: dict[str, Verifier]


def faust_app(settings: Settings, worker_id: str, store: str) -> faust.App:
    # Tables of another app id must not be restored into this one: RocksDB files remember
    # changelog offsets of their own topics.
    datadir = (settings.var_dir / "faust" / settings.app_id / worker_id).resolve()
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.bootstrap_servers}",
        broker_credentials=faust_credentials(settings),
        store=store,
        datadir=str(datadir),
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        consumer_auto_offset_reset="earliest",
        producer_compression_type="lz4",
        # Signed records are ~4.5 kB: Faust's defaults (1 MB fetched per partition, 16 kB
        # produce batches sent without lingering) turn every table write and score record into
        # its own produce request and cap a worker at a few hundred records per fetch.
        consumer_max_fetch_size=8 << 20,
        stream_buffer_maxsize=16384,
        producer_max_batch_size=512 << 10,
        producer_linger=0.005,
        web_enabled=False,
    )
    # Table writes wait in Faust's producer buffer until the batch ends; its default bound of
    # 100 messages would stall (and warn) on every batch larger than that.
    app.producer.buffer.max_messages = 4 * settings.batch_max
    return app


def _load_registry(settings: Settings) -> KeyRegistry:
    if settings.root_public_key_file is None:
        raise ConfigError(
            "QR_ROOT_PUBLIC_KEY_FILE is not set: a worker trusts producer keys only through "
            "the operator root key (qrstream keys export-public root --out root.pem)"
        )
    return load_registry(
        settings.bootstrap_servers,
        load_root_public_key(settings.root_public_key_file),
        topic=settings.keys_topic,
        root_kid=settings.root_key_id,
        config=librdkafka_config(settings),
    )


def _scoring_handlers(
    app: faust.App, settings: Settings, worker_id: str, outputs: Outputs
) -> dict[str, AcceptedHandler]:
    """Scorers per input topic, sharing one emitter that signs alerts with this worker's own
    key (`processor/<worker id>`, from the key store; publish it so SIEMs can verify)."""
    kid = f"processor/{worker_id}"
    keypair = KeyStore(settings.keys_dir, settings.key_passphrase).keypair(kid)
    sequence = SequenceFile(Path(app.conf.datadir) / "alerts.seq")
    emitter = Emitter(
        OutputTopic(outputs, ALERTS),
        OutputTopic(outputs, SCORES),
        AlertDeduper(settings.alert_cooldown_s),
        AlertSigner(ALERTS, kid, keypair, sequence),
    )

    async def flush_merged() -> None:
        await emitter.flush_merged()
        await outputs.flush()

    app.timer(1.0)(flush_merged)
    quantum_config = QuantumRulesConfig()
    integrity = IntegrityMonitor(quantum_config, MODEL_VERSION)
    telemetry = TelemetryScorer(quantum_config, emitter, MODEL_VERSION)
    incoming = _repartition_topic(app, settings, "aml-incoming")
    accounts = output_table(app, outputs, "aml-accounts")
    anomaly = _checkpointed_model(app, settings, worker_id, "aml_hst", anomaly_model)
    classifier = _checkpointed_model(app, settings, worker_id, "aml_lr", classifier_model)
    features_cache = FeatureCache()
    aml = AmlScorer(
        _aml_config(settings),
        accounts,
        emitter,
        OutputTopic(outputs, incoming.get_topic_name()),
        MODEL_VERSION,
        anomaly,
        classifier,
        features_cache,
    )
    feedback = FeedbackLearner(classifier, features_cache)
    _batch_agent(app, settings, outputs, _raw_topic(app, FEEDBACK), "feedback", feedback)
    _batch_agent(app, settings, outputs, incoming, "aml-incoming", aml.incoming)

    by_server = _repartition_topic(app, settings, "telemetry-by-server")
    by_client = _repartition_topic(app, settings, "telemetry-by-client")
    to_server = OutputTopic(outputs, by_server.get_topic_name())
    to_client = OutputTopic(outputs, by_client.get_topic_name())
    hosts = HostScorer(
        quantum_config,
        output_table(app, outputs, "crypto-inventory"),
        output_table(app, outputs, "exfil-volume"),
        _checkpointed_model(
            app, settings, worker_id, "exfil_hst", lambda: exfil_model(quantum_config)
        ),
        emitter,
        MODEL_VERSION,
    )
    _batch_agent(app, settings, outputs, by_server, "crypto-inventory", hosts.servers)
    _batch_agent(app, settings, outputs, by_client, "exfiltration", hosts.clients)

    async def on_transactions(batch: VerifiedBatch, ingest_us: int) -> None:
        await emitter.emit(integrity.observe(batch), [])
        await aml.outgoing(batch, ingest_us)

    async def on_telemetry(batch: VerifiedBatch, ingest_us: int) -> None:
        await emitter.emit(integrity.observe(batch), [])
        await telemetry(batch, ingest_us)
        for _, verdict in batch.accepted:
            if isinstance(verdict.payload, TelemetryEvent) and verdict.envelope is not None:
                await hosts.forward(to_server, to_client, verdict.payload, verdict.envelope.ts_us)

    return {TRANSACTIONS: on_transactions, TELEMETRY: on_telemetry}


def _aml_config(settings: Settings) -> AmlConfig:
    """The AML settings, with the sanctions lists when any is configured (the screener is
    built once, when the scorer's rules are)."""
    ofac, un = settings.sanctions_ofac_dir, settings.sanctions_un_xml
    if ofac is None and un is None:
        return AmlConfig()
    sanctions = SanctionsConfig(
        ofac_dirs=() if ofac is None else (ofac,),
        un_xml=() if un is None else (un,),
        threshold=settings.sanctions_threshold,
    )
    logger.info("sanctions screening: %r", load_screener(sanctions))
    return AmlConfig(rules=AmlRulesConfig(sanctions=sanctions))


def _repartition_topic(app: faust.App, settings: Settings, name: str) -> TopicT:
    """An internal topic keyed by another entity, with the inputs' partition count so that its
    consumers are co-partitioned with theirs (what Faust's `group_by` creates)."""
    return app.topic(
        f"{settings.app_id}-{name}",
        partitions=settings.topic_partitions,
        internal=True,
        key_serializer="raw",
        value_serializer="raw",
    )


def _batch_agent(
    app: faust.App,
    settings: Settings,
    outputs: Outputs,
    topic: TopicT,
    name: str,
    handle: Callable[[Sequence[EventT[bytes]]], Awaitable[None]],
) -> None:
    async def run(stream: StreamT[Any]) -> None:
        batches = cast(Stream[bytes], stream).take_events(
            settings.batch_max, within=settings.batch_within_s
        )
        async for events in batches:
            await guarded(name, handle(events))
            await outputs.flush()  # before Faust acknowledges the batch

    run.__qualname__ = run.__name__ = name
    app.agent(topic, name=name)(run)


def _checkpointed_model(
    app: faust.App,
    settings: Settings,
    worker_id: str,
    name: str,
    new: Callable[[], M],
) -> M:
    """A per-worker model, restored from its latest checkpoint, checkpointed on a timer and
    on shutdown."""
    checkpoints = Checkpointer(
        Path(app.conf.datadir) / "models",
        f"{name}.{re.sub(r'[^A-Za-z0-9_.]', '_', worker_id)}",
        MODEL_VERSION,
        interval_s=settings.checkpoint_interval_s,
    )
    fresh = new()
    model = checkpoints.restore(type(fresh)) or fresh

    async def checkpoint() -> None:
        data = checkpoints.serialize(model)  # on the loop: the model must not change meanwhile
        await asyncio.to_thread(checkpoints.write, data)
        metrics.MODEL_WARM.labels(name).set(1.0 if model.warmed_up else 0.0)

    async def checkpoint_on_shutdown(
        sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any
    ) -> None:
        await checkpoint()

    app.timer(settings.checkpoint_interval_s)(checkpoint)
    app.on_before_shutdown.connect(checkpoint_on_shutdown)
    return model


def build_worker(
    settings: Settings,
    *,
    worker_id: str = "w1",
    verify_only: bool = False,
    store: str = "rocksdb://",
) -> Worker:
    """The app with one verifying agent per input topic, each handing its accepted records to
    its scorer (or, with `verify_only`, only measuring their latency)."""
    app = faust_app(settings, worker_id, store)
    outputs = Outputs(
        settings.bootstrap_servers,
        f"{settings.app_id}-{worker_id}",
        **librdkafka_config(settings),
    )
    handlers: dict[str, AcceptedHandler]
    if verify_only:
        handlers = {TRANSACTIONS: observe_end_to_end, TELEMETRY: observe_end_to_end}
    else:
        handlers = _scoring_handlers(app, settings, worker_id, outputs)
    registry = _load_registry(settings)
    logger.info("key registry: %d keys", len(registry))
    limits = VerifierLimits(settings.max_clock_skew_s, settings.max_record_bytes)
    quarantine = OutputTopic(outputs, QUARANTINE)
    schemas: dict[str, Callable[[bytes], Any]] = {
        TRANSACTIONS: Transaction.model_validate_json,
        TELEMETRY: TelemetryEvent.model_validate_json,
    }
    verifiers: dict[str, Verifier] = {}
    for topic_name, schema in schemas.items():
        guard = TableReplayGuard(output_table(app, outputs, f"replay-{topic_name}"))
        verifier = Verifier(registry, guard, limits, payload_checks={topic_name: schema})
        agent = InputAgent(
            topic_name,
            verifier,
            guard,
            quarantine,
            handlers[topic_name],
            outputs,
            batch_max=settings.batch_max,
            within_s=settings.batch_within_s,
        )
        verifiers[topic_name] = verifier

        name = f"verify-{topic_name}"
        app.agent(_raw_topic(app, topic_name), name=name)(_runner(agent, name))

    async def refresh_registry() -> None:
        fresh = await asyncio.to_thread(_load_registry, settings)
        for verifier in verifiers.values():
            verifier.keys = fresh

    app.timer(settings.registry_refresh_s)(refresh_registry)

    async def close_outputs(
        sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any
    ) -> None:
        await asyncio.to_thread(outputs.close)

    app.on_before_shutdown.connect(close_outputs)
    return Worker(app, verifiers)


def _raw_topic(app: faust.App, name: str) -> TopicT:
    return app.topic(name, key_serializer="raw", value_serializer="raw")


def _runner(agent: InputAgent, name: str) -> Callable[[StreamT[Any]], Awaitable[None]]:
    async def run(stream: StreamT[Any]) -> None:
        await agent(cast(Stream[bytes], stream))

    run.__qualname__ = run.__name__ = name  # what Faust's logs call the agent
    return run
