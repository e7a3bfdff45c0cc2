#!/bin/bash
# What PostgreSQL alone needs to store a 10M-listing archive the way PostgresArchive's first load
# does, with no reading, parsing, validation or encoding: the archive's events (taken from an
# archive imported before) loaded by text COPY (as postgres-nio sends them) into an empty table in
# one transaction, then the two lookup indexes built. The floor under ArchiveBenchmark's import.
#
#   Benchmarks/storage/import-floor.sh 'postgres://…?schema=bench'
#
# Needs the archive there (ArchiveBenchmark --database), `psql`, and room in /tmp for the rows (~7 GB).
set -euo pipefail
url=${1:?database URL with ?schema=}
schema=$(echo "$url" | sed -n 's/.*[?&]schema=\([^&]*\).*/\1/p')
base=${url%%\?*}
rows=$(mktemp /tmp/creditgate-floor-XXXXXX.copy)
trap 'rm -f "$rows"; psql "$base" -XAtq -c "DROP SCHEMA IF EXISTS floor CASCADE"' EXIT
psql "$base" -XAtq -c "\\copy (SELECT import_seq, op, effective_day, entry_key, match_key, detail FROM $schema.defaulter_events ORDER BY id) TO '$rows'"
echo "rows: $(wc -l < "$rows"), $(du -h "$rows" | cut -f1) as COPY text"
psql "$base" -XAtq -v ON_ERROR_STOP=1 <<SQL
DROP SCHEMA IF EXISTS floor CASCADE;
CREATE SCHEMA floor;
CREATE TABLE floor.defaulter_events (LIKE $schema.defaulter_events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS);
ALTER TABLE floor.defaulter_events ADD PRIMARY KEY (id);
SQL
psql "$base" -XAq -v ON_ERROR_STOP=1 <<SQL
\\timing on
BEGIN;
\\copy floor.defaulter_events (import_seq, op, effective_day, entry_key, match_key, detail) FROM '$rows'
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX ON floor.defaulter_events (match_key, entry_key) WHERE match_key IS NOT NULL;
CREATE INDEX ON floor.defaulter_events (entry_key);
COMMIT;
SQL
