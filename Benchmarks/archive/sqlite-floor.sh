#!/usr/bin/env bash
# The floor under the archive's speed targets on this machine: what SQLite alone needs to store the
# events of a 10M-listing feed, and to read back one listing, with no parsing, validation, Swift or
# decoding. Rows are made inside SQLite by one INSERT ... SELECT, in the shape the archive stores
# them, under the settings a first import uses (rollback journal, synchronous FULL, 256 MiB cache,
# two sorter threads), in one transaction; lookups are one join over 200,000 keys in random order,
# with a 64 MiB cache and the file mapped as far as SQLite allows (its fastest reads), timed warm.
#
#   Benchmarks/archive/sqlite-floor.sh [ROWS] [DIR]     (defaults: 12115868, the events of the
#                                                       10M-listing benchmark feed; /tmp)
#
# Layouts, from the archive's own down to a bare table:
#   archive    events table + details table, match and entry indexes (what SQLiteArchive writes);
#              a hit: match index -> entry index -> event row -> detail row
#   one-table  events with their detail inline, both indexes;
#              a hit: match index -> entry index -> event row
#   one-index  events with their detail inline, the match index only (no way to an entry's other
#              events: not a complete design, a lower bound);  a hit: match index -> event row
#   bare       events with their detail inline, no index (as if an in-memory map held every key's
#              row ids);  a hit: event row by row id
# Keys are spread by multiplicative hashing (random order, like real keys); the detail is 187 bytes,
# the archive's mean; 15.6% of events have no match key, as in the benchmark archive.
set -euo pipefail
rows=${1:-12115868}
dir=${2:-/tmp}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 1; }
command -v bc >/dev/null || { echo "needs bc (apt-get install bc)" >&2; exit 1; }
db="$dir/sqlite-floor.sqlite"
probes=200000

entry="((x * 2654435761) % 4294967291) * 2147483648 + (x * 40503) % 2147483647"
match="((x * 2246822519) % 4294967279) * 2147483648 + (x * 3266489917) % 2147483629"
has_match="x % 32 >= 5"
series="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $rows)"
match_index="CREATE INDEX m ON e(match_key, entry_key) WHERE match_key IS NOT NULL;"
entry_index="CREATE INDEX k ON e(entry_key);"
# Rows with a match key, picked by a hash of their number so the probes come in random order.
picks="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $probes)
    SELECT n AS x FROM (SELECT 1 + (x * 2654435761) % $rows AS n FROM c) WHERE n % 32 >= 5"

seconds() { echo "$2 - $1" | bc; }

run() {
    local label=$1 schema=$2 hit=$3
    rm -f "$db" "$db-journal"
    sync
    local start end
    start=$(date +%s.%N)
    sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA cache_size = -262144; PRAGMA threads = 2;
BEGIN;
$schema
COMMIT;
SQL
    end=$(date +%s.%N)
    local stored
    stored=$(seconds "$start" "$end")
    # The probe query runs twice; the second, warm, run is timed.
    local timing
    timing=$(sqlite3 -readonly "$db" <<SQL | grep '^Run Time' | tail -1
PRAGMA mmap_size = 17179869184; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;
CREATE TEMP TABLE p AS SELECT x, $match AS k FROM ($picks);
.output /dev/null
$hit;
.timer on
$hit;
SQL
)
    local real count
    real=$(echo "$timing" | awk '{print $4}')
    count=$(sqlite3 -readonly "$db" "SELECT count(*) FROM ($picks)")
    printf '%-10s stored in %6.1f s (%5d MiB)   %7.0f hits/s  (%d in %.3f s)\n' \
        "$label" "$stored" "$(( $(stat -c %s "$db") >> 20 ))" "$(echo "$count / $real" | bc)" "$count" "$real"
}

echo "SQLite $(sqlite3 --version | cut -d' ' -f1), $rows rows, $(nproc) cores"
run archive "CREATE TABLE e (id INTEGER PRIMARY KEY, import_seq INTEGER NOT NULL, op INTEGER NOT NULL, effective_day INTEGER NOT NULL, entry_key INTEGER NOT NULL, match_key INTEGER);
CREATE TABLE d (event_id INTEGER PRIMARY KEY, detail BLOB NOT NULL);
$series INSERT INTO e SELECT x, 1, 0, 19000 + x % 3000, $entry, CASE WHEN $has_match THEN $match END FROM c;
$series INSERT INTO d SELECT x, zeroblob(187) FROM c;
$match_index $entry_index" \
    "SELECT sum(e.op + e.effective_day + length(d.detail)) FROM p CROSS JOIN e AS m ON m.match_key = p.k
     CROSS JOIN e ON e.entry_key = m.entry_key CROSS JOIN d ON d.event_id = e.id"
single="CREATE TABLE e (id INTEGER PRIMARY KEY, import_seq INTEGER NOT NULL, op INTEGER NOT NULL, effective_day INTEGER NOT NULL, entry_key INTEGER NOT NULL, match_key INTEGER, detail BLOB NOT NULL);
$series INSERT INTO e SELECT x, 1, 0, 19000 + x % 3000, $entry, CASE WHEN $has_match THEN $match END, zeroblob(187) FROM c;"
run one-table "$single $match_index $entry_index" \
    "SELECT sum(e.op + e.effective_day + length(e.detail)) FROM p CROSS JOIN e AS m ON m.match_key = p.k
     CROSS JOIN e ON e.entry_key = m.entry_key"
run one-index "$single $match_index" \
    "SELECT sum(e.op + e.effective_day + length(e.detail)) FROM p CROSS JOIN e ON e.match_key = p.k"
run bare "$single" \
    "SELECT sum(e.op + e.effective_day + length(e.detail)) FROM p CROSS JOIN e ON e.id = p.x"
rm -f "$db" "$db-journal"
