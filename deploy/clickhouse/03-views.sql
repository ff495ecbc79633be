-- Views for analysts, dashboards, `qrstream report` and `qrstream eval`. Plain views that read
-- with FINAL rather than materialized views: a materialized view would count a re-delivered
-- batch twice, and FINAL keeps every view exact at the price of merging at read time.
--
-- Latency is measured from the producer's qr-ts to each stage, in milliseconds:
--   ingest    a worker took the record from Kafka
--   verified  its signature check finished
--   scored    scoring finished
--   emitted   its score record (and any alert) was handed to the producer
--   alert     the first emission of an alert was signed and sent (from qrstream.alerts)

-- Each alert in its final state: the emission with the highest count.
CREATE OR REPLACE VIEW qrstream.alerts_latest AS
SELECT *
FROM qrstream.alerts FINAL
ORDER BY alert_id, count DESC
LIMIT 1 BY alert_id;

-- One row per event (or alert) and stage.
CREATE OR REPLACE VIEW qrstream.stage_latency AS
SELECT
    stage,
    kind,
    event_id AS id,
    producer_ts,
    (toUnixTimestamp64Micro(stage_ts) - toUnixTimestamp64Micro(producer_ts)) / 1000 AS latency_ms
FROM qrstream.scores FINAL
ARRAY JOIN
    ['ingest', 'verified', 'scored', 'emitted'] AS stage,
    [ingest_ts, verified_ts, scored_ts, emitted_ts] AS stage_ts
UNION ALL
SELECT
    'alert' AS stage,
    kind,
    alert_id AS id,
    producer_ts,
    (toUnixTimestamp64Micro(emitted_ts) - toUnixTimestamp64Micro(producer_ts)) / 1000 AS latency_ms
FROM qrstream.alerts FINAL
WHERE count = 1;

-- Exact quantiles (linear interpolation between closest ranks, as numpy's default) per stage
-- over everything stored: filter stage_latency by producer_ts for a window instead.
CREATE OR REPLACE VIEW qrstream.latency_quantiles AS
SELECT stage, events, q[1] AS p50_ms, q[2] AS p90_ms, q[3] AS p99_ms, q[4] AS p999_ms, max_ms
FROM
(
    SELECT
        stage,
        count() AS events,
        quantilesExactInclusive(0.5, 0.9, 0.99, 0.999)(latency_ms) AS q,
        max(latency_ms) AS max_ms
    FROM qrstream.stage_latency
    GROUP BY stage
);

-- The same per minute of producer time, for dashboards.
CREATE OR REPLACE VIEW qrstream.latency_quantiles_per_minute AS
SELECT minute, stage, events, q[1] AS p50_ms, q[2] AS p90_ms, q[3] AS p99_ms, q[4] AS p999_ms, max_ms
FROM
(
    SELECT
        toStartOfMinute(toDateTime(producer_ts, 'UTC')) AS minute,
        stage,
        count() AS events,
        quantilesExactInclusive(0.5, 0.9, 0.99, 0.999)(latency_ms) AS q,
        max(latency_ms) AS max_ms
    FROM qrstream.stage_latency
    GROUP BY minute, stage
);

-- Records per second by stream: scored events by kind (aml, quantum) when their score was
-- emitted, alert emissions when sent, quarantined records when rejected.
CREATE OR REPLACE VIEW qrstream.throughput_per_second AS
SELECT second, stream, count() AS records
FROM
(
    SELECT toDateTime(emitted_ts, 'UTC') AS second, toString(kind) AS stream
    FROM qrstream.scores FINAL
    UNION ALL
    SELECT toDateTime(emitted_ts, 'UTC') AS second, 'alerts' AS stream
    FROM qrstream.alerts FINAL
    UNION ALL
    SELECT toDateTime(detected_ts, 'UTC') AS second, 'quarantine' AS stream
    FROM qrstream.quarantine FINAL
)
GROUP BY second, stream;
