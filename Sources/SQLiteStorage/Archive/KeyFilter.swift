import ArchiveClient
import Foundation
import GRDB

/// A Bloom filter over every index key in the archive (listing match keys and record ID keys), so
/// that a lookup for someone the archive has never heard of (almost every candidate) answers
/// from memory without touching SQLite.
///
/// The filter is a cache of append-only tables: it remembers the highest event ids it has read,
/// and each lookup first adds the keys of any newer events its snapshot can see. A reader with an
/// older snapshot may see a filter that is ahead of it; that only adds false positives, which the
/// index probes then answer. A lookup tests keys on an immutable ``Bits`` copy, without locking. About 10 bits per key gives a 1% false-positive rate; when the archive
/// outgrows the filter it is rebuilt twice as large.
final class KeyFilter: @unchecked Sendable {
    // Everything below is guarded by `lock`.
    private let lock = NSLock()
    private var bits = Bits(words: [])
    private var capacity = 0
    private var count = 0
    private var defaulterHighWater: Int64 = 0
    private var recordHighWater: Int64 = 0
    private static let hashes = 7
    private static let bitsPerKey = 10

    /// The bits of a filter; a value, so a lookup keeps testing its copy while an import grows the filter.
    struct Bits: Sendable {
        fileprivate var words: [UInt64]

        /// False only when the key cannot be in the archive.
        func mayContain(_ key: Int64) -> Bool {
            guard !words.isEmpty else { return false }
            let mask = UInt64(words.count * 64 - 1)
            let (h1, h2) = KeyFilter.hashPair(key)
            for i in 0..<UInt64(KeyFilter.hashes) {
                let bit = (h1 &+ i &* h2) & mask
                if words[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
            }
            return true
        }

        fileprivate mutating func insert(_ key: Int64) {
            let (h1, h2) = KeyFilter.hashPair(key)
            let mask = UInt64(words.count * 64 - 1)
            for i in 0..<UInt64(KeyFilter.hashes) {
                let bit = (h1 &+ i &* h2) & mask
                words[Int(bit >> 6)] |= 1 << (bit & 63)
            }
        }
    }

    /// Brings the filter up to the reader's snapshot and returns it.
    func catchUp(_ db: Database) throws -> Bits {
        let defaulterMax = try RawStatement(db.cachedStatement(sql: "SELECT MAX(id) FROM defaulter_events")).firstInt64(db) ?? 0
        let recordMax = try RawStatement(db.cachedStatement(sql: "SELECT MAX(id) FROM record_events")).firstInt64(db) ?? 0
        lock.lock()
        defer { lock.unlock() }
        guard defaulterMax > defaulterHighWater || recordMax > recordHighWater else { return bits }
        var fresh: [Int64] = []
        try scanKeys(db, from: defaulterHighWater, to: defaulterMax, recordsFrom: recordHighWater, to: recordMax) { fresh.append($0) }
        if count + fresh.count > capacity {
            // Rebuild larger from everything the snapshot sees (on first use, that is `fresh`).
            var all = fresh
            if defaulterHighWater > 0 || recordHighWater > 0 {
                all.removeAll()
                try scanKeys(db, from: 0, to: defaulterMax, recordsFrom: 0, to: recordMax) { all.append($0) }
            }
            capacity = max(1 << 16, all.count * 2)
            // A power-of-two number of bits, so a bit index is a mask rather than a division.
            var words = 1
            while words * 64 < capacity * KeyFilter.bitsPerKey { words <<= 1 }
            bits = Bits(words: Array(repeating: 0, count: words))
            count = 0
            all.forEach(insert)
        } else {
            fresh.forEach(insert)
        }
        defaulterHighWater = defaulterMax
        recordHighWater = recordMax
        return bits
    }

    /// The listing keys of events `from` < id ≤ `to` and the record keys of records `recordsFrom` <
    /// id ≤ `recordsTo`. From the start, listing keys are read from the match index (a few hundred
    /// megabytes at 10M listings) rather than the events, which carry their published fields (3 GB).
    ///
    /// Keys are read through the page cache rather than the reader's map: mapped pages a scan touched
    /// stay in the process's resident memory; index probes afterwards map only the pages they visit.
    private func scanKeys(_ db: Database, from: Int64, to: Int64, recordsFrom: Int64, to recordsTo: Int64, _ body: (Int64) -> Void) throws {
        try db.execute(sql: "PRAGMA mmap_size = 0")
        defer { try? db.execute(sql: "PRAGMA mmap_size = \(SQLiteArchive.readerMapBytes)") }
        let listings = from == 0
            ? "SELECT match_key FROM defaulter_events INDEXED BY defaulter_events_match WHERE match_key IS NOT NULL AND id > ?1 AND id <= ?2"
            : "SELECT match_key FROM defaulter_events WHERE id > ?1 AND id <= ?2 AND match_key IS NOT NULL"
        let records = "SELECT id_key FROM record_events WHERE id > ?1 AND id <= ?2 AND id_key IS NOT NULL"
        for (sql, low, high) in [(listings, from, to), (records, recordsFrom, recordsTo)] {
            let statement = RawStatement(try db.cachedStatement(sql: sql))
            statement.bind(1, low)
            statement.bind(2, high)
            try statement.forEachRow(db) { row in if let key = row.int64(0) { body(key) } }
        }
    }

    private func insert(_ key: Int64) {
        bits.insert(key)
        count += 1
    }

    /// Two independent 64-bit mixes of the key (SplitMix64 finaliser) for double hashing.
    fileprivate static func hashPair(_ key: Int64) -> (UInt64, UInt64) {
        func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let k = UInt64(bitPattern: key)
        return (mix(k), mix(k ^ 0x5851_F42D_4C95_7F2D) | 1)
    }
}
