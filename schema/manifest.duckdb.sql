-- DuckDB table for jixiao's manifest (see schema/record-format.md, "Manifest").
--
-- `{manifest}` stands for the path of manifest.jsonl; replace it before
-- running, e.g. with the DuckDB CLI:
--
--   sed 's|{manifest}|out/manifest.jsonl|' schema/manifest.duckdb.sql | duckdb warehouse.duckdb
--
-- Every file the walk met is a row; the records it gave add up to the
-- records file's lines:
--
--   SELECT outcome, count(*), sum(records) FROM manifest GROUP BY ALL;

CREATE TABLE manifest (
    path         VARCHAR NOT NULL,
    member       VARCHAR,
    bytes        BIGINT,
    sha256       VARCHAR,
    format       VARCHAR,
    encoding     VARCHAR,
    outcome      VARCHAR NOT NULL,
    reason       VARCHAR,
    duplicate_of STRUCT(path VARCHAR, member VARCHAR),
    records      INTEGER NOT NULL,
    indicators   INTEGER NOT NULL,
    warnings     INTEGER NOT NULL,
    error_code   VARCHAR,
    ms           BIGINT NOT NULL
);

INSERT INTO manifest
SELECT * FROM read_json(
    '{manifest}',
    format = 'newline_delimited',
    records = true,
    columns = {
        path:         'VARCHAR',
        member:       'VARCHAR',
        bytes:        'BIGINT',
        sha256:       'VARCHAR',
        format:       'VARCHAR',
        encoding:     'VARCHAR',
        outcome:      'VARCHAR',
        reason:       'VARCHAR',
        duplicate_of: 'STRUCT(path VARCHAR, member VARCHAR)',
        records:      'INTEGER',
        indicators:   'INTEGER',
        warnings:     'INTEGER',
        error_code:   'VARCHAR',
        ms:           'BIGINT'
    }
);
