-- The ClickHouse schema of qrstream, shared by the embedded chDB (`qrstream sink` applies these
-- files in name order on start) and a ClickHouse server (its image runs them from
-- /docker-entrypoint-initdb.d on first start; see docker-compose.yml).
--
-- Every statement is idempotent and ends with ';' at the end of a line; comments are whole lines.
CREATE DATABASE IF NOT EXISTS qrstream;
