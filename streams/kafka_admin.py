"""Topic administration through the Kafka Admin API (confluent-kafka), behind
`qrstream topics`: create topics from their specs idempotently, describe and delete them.

Every call first asks for the cluster's metadata with a deadline, so an unreachable broker is
one clear `KafkaAdminError` after `timeout` seconds instead of librdkafka retrying forever.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from confluent_kafka import KafkaError, KafkaException

# confluent_kafka.admin re-exports these without listing them in __all__.
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
    ResourceType,
    TopicMetadata,
)

from streams.errors import KafkaAdminError
from topics.specs import TopicSpec

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "CreateResult",
    "DeleteResult",
    "TopicAdmin",
    "TopicInfo",
]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
_POLL_INTERVAL_S = 0.1
# librdkafka log lines look like "[thrd:host:port/bootstrap]: host:port/bootstrap: <text>
# (after 0ms in state CONNECT)"; the middle is what a person needs.
_LOG_TEXT = re.compile(r"^(?:\[thrd:[^\]]*\]: )?(?:\S+: )?(?P<text>.*?)(?: \(after .*\))?$")

T = TypeVar("T")


@dataclass(frozen=True)
class CreateResult:
    """What `create` did to one topic.

    `changes` lists what was changed on an existing topic; `differences` what differs from the
    spec and was left alone: more partitions than wanted or another replication factor, which
    Kafka cannot change here, and `config_differences`, configs that were not to be altered.
    """

    name: str
    status: Literal["created", "unchanged", "updated", "differs"]
    changes: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()
    config_differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicInfo:
    """One topic as the cluster reports it; `config` holds the configs the spec sets plus every
    config that is not the broker's default."""

    name: str
    exists: bool
    partitions: int = 0
    replication_factor: int = 0
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeleteResult:
    name: str
    status: Literal["deleted", "absent"]


class _LibrdkafkaLog:
    """Receives librdkafka's log lines: all go to our debug log, and the last warning or error
    (say, "Connection refused") explains a timeout in one line."""

    def __init__(self) -> None:
        self.last_problem: str | None = None

    def log(self, level: int, fmt: str, *args: Any) -> None:
        line = fmt % args if args else fmt
        logger.debug("librdkafka: %s", line)
        if level >= logging.WARNING:
            text = str(args[-1]) if args else line
            match = _LOG_TEXT.match(text)
            self.last_problem = match.group("text") if match else text


class TopicAdmin:
    """Admin operations on one cluster; each waits at most `timeout` seconds per request."""

    def __init__(
        self,
        bootstrap: str,
        timeout: float = DEFAULT_TIMEOUT_S,
        client_config: Mapping[str, str] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self._log = _LibrdkafkaLog()
        self._admin = AdminClient(
            {"bootstrap.servers": bootstrap, **(client_config or {})}, logger=self._log
        )

    def create(self, specs: Sequence[TopicSpec], alter_config: bool = False) -> list[CreateResult]:
        """Create missing topics; raise the partition count of existing ones that have fewer
        than wanted; with `alter_config`, set configs that differ from the spec."""
        existing = self._topics()
        missing = [spec for spec in specs if spec.name not in existing]
        created = self._create_missing(missing)
        results = {name: CreateResult(name, "created") for name in created}
        # Lost a race with another creator: treat those as existing topics.
        raced = [spec.name for spec in missing if spec.name not in created]
        if raced:
            self._wait_for(lambda topics: all(name in topics for name in raced), "creation")
            existing = self._topics()
        present = [spec for spec in specs if spec.name not in created]
        configs = self._configs([spec.name for spec in present])
        for spec in present:
            if spec.name not in existing:
                raise KafkaAdminError(
                    f"create {spec.name}: Kafka says it exists but does not list it (still being "
                    "deleted?); try again",
                    self.bootstrap,
                )
            results[spec.name] = self._reconcile(
                spec, existing[spec.name], configs[spec.name], alter_config
            )
        if created:
            self._wait_for(lambda topics: all(name in topics for name in created), "creation")
        return [results[spec.name] for spec in specs]

    def describe(self, names: Sequence[str]) -> list[TopicInfo]:
        """The partitions, replication factor and configs of each named topic."""
        topics = self._topics()
        present = [name for name in names if name in topics]
        configs = self._configs(present, include_defaults=False)
        return [
            TopicInfo(
                name,
                True,
                len(topics[name].partitions),
                _replication_factor(topics[name]),
                configs[name],
            )
            if name in topics
            else TopicInfo(name, False)
            for name in names
        ]

    def delete(self, names: Sequence[str]) -> list[DeleteResult]:
        """Delete the named topics that exist and wait until the cluster no longer lists them."""
        present = [name for name in names if name in self._topics()]
        gone: set[str] = set()
        if present:
            futures = self._admin.delete_topics(
                present, operation_timeout=self.timeout, request_timeout=self.timeout
            )
            for name, future in futures.items():
                try:
                    self._result(future, f"delete {name}")
                except KafkaAdminError as err:
                    if _code(err.__cause__) != KafkaError.UNKNOWN_TOPIC_OR_PART:
                        raise
                    continue  # deleted by someone else meanwhile
                gone.add(name)
            self._wait_for(lambda topics: not any(name in topics for name in present), "deletion")
        return [DeleteResult(name, "deleted" if name in gone else "absent") for name in names]

    def _create_missing(self, specs: Sequence[TopicSpec]) -> set[str]:
        if not specs:
            return set()
        new_topics = [
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=spec.replication_factor,
                config=spec.kafka_config(),
            )
            for spec in specs
        ]
        futures = self._admin.create_topics(
            new_topics, operation_timeout=self.timeout, request_timeout=self.timeout
        )
        created: set[str] = set()
        for name, future in futures.items():
            try:
                self._result(future, f"create {name}")
            except KafkaAdminError as err:
                if _code(err.__cause__) != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
                continue
            created.add(name)
        return created

    def _reconcile(
        self, spec: TopicSpec, meta: TopicMetadata, config: Mapping[str, str], alter: bool
    ) -> CreateResult:
        changes: list[str] = []
        differences: list[str] = []
        partitions = len(meta.partitions)
        if partitions < spec.partitions:
            self._add_partitions(spec.name, spec.partitions)
            changes.append(f"partitions {partitions} -> {spec.partitions}")
        elif partitions > spec.partitions:
            # Kafka cannot remove partitions, and more of them do no harm.
            differences.append(f"partitions {partitions} (spec {spec.partitions})")
        replicas = _replication_factor(meta)
        if replicas != spec.replication_factor:
            differences.append(f"replication factor {replicas} (spec {spec.replication_factor})")
        wrong = {
            key: value for key, value in spec.kafka_config().items() if config.get(key) != value
        }
        config_differences: list[str] = []
        if wrong and alter:
            self._set_configs(spec.name, wrong)
            changes += [f"{key} {config.get(key)} -> {value}" for key, value in wrong.items()]
        else:
            config_differences += [
                f"{key} {config.get(key)} (spec {value})" for key, value in wrong.items()
            ]
        status: Literal["unchanged", "updated", "differs"] = (
            "updated"
            if changes
            else "differs"
            if differences or config_differences
            else "unchanged"
        )
        return CreateResult(
            spec.name, status, tuple(changes), tuple(differences), tuple(config_differences)
        )

    def _add_partitions(self, name: str, total: int) -> None:
        futures = self._admin.create_partitions(
            [NewPartitions(name, total)],
            operation_timeout=self.timeout,
            request_timeout=self.timeout,
        )
        for future in futures.values():
            self._result(future, f"add partitions to {name}")

    def _set_configs(self, name: str, config: Mapping[str, str]) -> None:
        entries = [
            ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
            for key, value in config.items()
        ]
        resource = ConfigResource(ResourceType.TOPIC, name, incremental_configs=entries)
        futures = self._admin.incremental_alter_configs([resource], request_timeout=self.timeout)
        for future in futures.values():
            self._result(future, f"alter configs of {name}")

    def _configs(
        self, names: Iterable[str], include_defaults: bool = True
    ) -> dict[str, dict[str, str]]:
        resources = [ConfigResource(ResourceType.TOPIC, name) for name in names]
        if not resources:
            return {}
        futures = self._admin.describe_configs(resources, request_timeout=self.timeout)
        configs: dict[str, dict[str, str]] = {}
        for resource, future in futures.items():
            entries: dict[str, ConfigEntry] = self._result(future, f"describe {resource.name}")
            configs[resource.name] = {
                key: entry.value
                for key, entry in sorted(entries.items())
                if entry.value is not None and (include_defaults or not entry.is_default)
            }
        return configs

    def _topics(self) -> dict[str, TopicMetadata]:
        self._log.last_problem = None
        try:
            metadata = self._admin.list_topics(timeout=self.timeout)
        except KafkaException as err:
            self._admin.poll(0)  # delivers librdkafka's log lines, which name the cause
            cause = self._log.last_problem or _text(err)
            raise KafkaAdminError(
                f"Kafka at {self.bootstrap} did not answer within {self.timeout:g} s: {cause}",
                self.bootstrap,
            ) from err
        self._admin.poll(0)  # log lines queue until polled: keep the queue short
        return dict(metadata.topics)

    def _wait_for(self, done: Callable[[dict[str, TopicMetadata]], bool], what: str) -> None:
        """Admin requests return once the controller has acted; brokers learn it a moment
        later, and a caller that uses the topics right away needs them to have."""
        deadline = time.monotonic() + self.timeout
        while not done(self._topics()):
            if time.monotonic() >= deadline:
                logger.warning("topic %s not visible on %s yet", what, self.bootstrap)
                return
            time.sleep(_POLL_INTERVAL_S)

    def _result(self, future: Future[T], what: str) -> T:
        try:
            return future.result(timeout=self.timeout)
        except FutureTimeout as err:
            raise KafkaAdminError(
                f"{what}: no answer from Kafka at {self.bootstrap} within {self.timeout:g} s",
                self.bootstrap,
            ) from err
        except KafkaException as err:
            raise KafkaAdminError(f"{what}: {_text(err)}", self.bootstrap) from err


def _replication_factor(meta: TopicMetadata) -> int:
    return min((len(p.replicas) for p in meta.partitions.values()), default=0)


def _code(err: BaseException | None) -> int | None:
    if isinstance(err, KafkaException) and isinstance(err.args[0], KafkaError):
        code: int = err.args[0].code()
        return code
    return None


def _text(err: KafkaException) -> str:
    first = err.args[0] if err.args else err
    text = first.str() if isinstance(first, KafkaError) else str(first)
    return " ".join(str(text).split())
