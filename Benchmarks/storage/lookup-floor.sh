#!/bin/bash
# What PostgreSQL alone needs to answer a batch of 1,000 listed people the way PostgresArchive
# does (one statement for the keys, one for the listings' histories), with no Swift, decoding or
# deciding: the floor under ArchiveBenchmark's "exact hits" on PostgreSQL.
#
#   Benchmarks/storage/lookup-floor.sh 'postgres://…?schema=bench' [BATCHES]
#
# Needs an archive imported there (ArchiveBenchmark --database) and the `psql` command. Batches of
# people picked at random are timed warm (each batch once before), in one session.
set -euo pipefail
url=${1:?database URL with ?schema=}
batches=${2:-20}
schema=$(echo "$url" | sed -n 's/.*[?&]schema=\([^&]*\).*/\1/p')
base=${url%%\?*}
psql "$base" -XAtq -v ON_ERROR_STOP=1 <<SQL
SET search_path = $schema;
CREATE TEMP TABLE picked AS
    SELECT (row_number() OVER () - 1) / 1000 AS batch, match_key FROM (
        SELECT match_key FROM defaulter_events TABLESAMPLE SYSTEM (1) WHERE match_key > 0 ORDER BY random() LIMIT $batches * 1000) s;
CREATE TEMP TABLE timings (batch int, keys_ms float8, events_ms float8, rows int);
DO \$\$
DECLARE
    keys bigint[]; entries bigint[]; started timestamptz; keys_ms float8; n int;
BEGIN
    FOR b IN 0..$batches - 1 LOOP
        -- each person's exact key and two probable keys that miss, as a lookup asks
        SELECT array_agg(match_key) || array_agg(-match_key) || array_agg(-match_key - 1) INTO keys FROM picked WHERE batch = b;
        FOR pass IN 1..2 LOOP
            started := clock_timestamp();
            SELECT array_agg(entry_key) INTO entries FROM defaulter_events WHERE match_key = ANY(keys);
            keys_ms := extract(epoch FROM clock_timestamp() - started) * 1000;
            started := clock_timestamp();
            SELECT count(*) INTO n FROM (SELECT entry_key, id, import_seq, op, effective_day, match_key, detail FROM defaulter_events
                WHERE entry_key = ANY(entries) AND import_seq <= 1 ORDER BY id) e;
            IF pass = 2 THEN
                INSERT INTO timings VALUES (b, keys_ms, extract(epoch FROM clock_timestamp() - started) * 1000, n);
            END IF;
        END LOOP;
    END LOOP;
END \$\$;
SELECT format('per 1,000 listed people, warm (%s batches): keys %s ms, histories %s ms (%s events); so at most %s people/s on one connection',
              count(*), round(avg(keys_ms)::numeric, 1), round(avg(events_ms)::numeric, 1), round(avg(rows)),
              round(1000 / (avg(keys_ms) + avg(events_ms)) * 1000)) FROM timings;
SQL
