-- Tables written by `qrstream sink` from Kafka. The sink delivers at least once (it commits
-- offsets only after an insert succeeded), so each table is a ReplacingMergeTree whose sorting
-- key is the record's identity: a re-delivered record collapses into the row it repeats.
-- Merges collapse duplicates eventually; queries that must not see them read with FINAL (the
-- views in 03-views.sql do). An identical retried insert is dropped at once through its
-- insert_deduplication_token, which non_replicated_deduplication_window enables.
--
-- Times are DateTime64(6, 'UTC'): the microseconds of the messages, exactly.

-- One row per alert emission on qr.alerts. An alert repeated within its cool-down is emitted
-- again under the same alert_id with a higher count, so (alert_id, count) identifies an
-- emission: the first one (count = 1) keeps the detection latency, the highest count is the
-- alert's final state (view alerts_latest).
CREATE TABLE IF NOT EXISTS qrstream.alerts
(
    alert_id UUID,
    count UInt32,
    kind LowCardinality(String),
    typology LowCardinality(String),
    severity Enum8('info' = 1, 'low' = 2, 'medium' = 3, 'high' = 4, 'critical' = 5),
    score Float64,
    entity String,
    event_ids Array(UUID),
    -- Rule ids and feature names, most important first; reasons has them in full (JSON).
    reason_names Array(LowCardinality(String)),
    reasons String,
    model_version LowCardinality(String),
    -- The processor key that signed the alert (qr-kid); empty if the record was unsigned.
    signer_kid LowCardinality(String),
    -- qr-ts of the latest triggering event.
    producer_ts DateTime64(6, 'UTC'),
    detected_ts DateTime64(6, 'UTC'),
    -- When this emission was signed and sent (its own qr-ts).
    emitted_ts DateTime64(6, 'UTC'),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
-- detected_ts is the same in every emission of an alert, so they share a partition and merge.
PARTITION BY toYYYYMM(detected_ts)
ORDER BY (alert_id, count)
SETTINGS non_replicated_deduplication_window = 1000;

-- One row per scored event on qr.scores, with the time each stage of the pipeline reached it.
CREATE TABLE IF NOT EXISTS qrstream.scores
(
    event_id UUID,
    kind LowCardinality(String),
    entity String,
    score Float64,
    model_version LowCardinality(String),
    alerted Bool,
    producer_ts DateTime64(6, 'UTC'),
    ingest_ts DateTime64(6, 'UTC'),
    verified_ts DateTime64(6, 'UTC'),
    scored_ts DateTime64(6, 'UTC'),
    emitted_ts DateTime64(6, 'UTC'),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
-- producer_ts comes from the input record's qr-ts, the same in any re-scoring of the event.
PARTITION BY toYYYYMM(producer_ts)
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

-- One row per rejected input record on qr.quarantine, identified by where it was consumed.
CREATE TABLE IF NOT EXISTS qrstream.quarantine
(
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64,
    reason LowCardinality(String),
    detail String,
    -- The producer key id (qr-kid) as found, if the record had one.
    kid Nullable(String),
    record_ts Nullable(DateTime64(6, 'UTC')),
    -- The original record, byte for byte, in standard base64.
    key_b64 Nullable(String),
    value_b64 Nullable(String),
    headers Array(Tuple(name String, value_b64 Nullable(String))),
    detected_ts DateTime64(6, 'UTC'),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (source_topic, source_partition, source_offset)
SETTINGS non_replicated_deduplication_window = 1000;

-- The crypto inventory per server host, from the changelog of the workers' crypto-inventory
-- table: every update replaces the host's row; handshakes only grows, so the newest wins.
CREATE TABLE IF NOT EXISTS qrstream.crypto_inventory
(
    host String,
    first_seen DateTime64(6, 'UTC'),
    last_seen DateTime64(6, 'UTC'),
    pq_ready Bool,
    pq_capable Bool,
    cert_quantum_vulnerable Bool,
    versions Array(String),
    ciphers Array(String),
    groups Array(String),
    cert_key_types Array(String),
    cert_sig_algs Array(String),
    handshakes UInt64,
    pq_handshakes UInt64,
    classical_handshakes UInt64,
    failed_handshakes UInt64,
    legacy_handshakes UInt64,
    legacy_findings Array(String),
    last_pq Nullable(DateTime64(6, 'UTC')),
    last_classical Nullable(DateTime64(6, 'UTC')),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(handshakes)
ORDER BY host
SETTINGS non_replicated_deduplication_window = 1000;
