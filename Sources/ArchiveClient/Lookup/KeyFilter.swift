import Synchronization

/// A Bloom filter over every index key in the archive (listing match keys and record ID keys), so
/// that a lookup for someone the archive has never heard of (almost every candidate) answers
/// from memory, without an index probe: on SQLite without touching the file, on PostgreSQL with
/// one cheap statement for the version instead of a planned probe of millions of rows.
///
/// The filter is a cache of append-only tables, on every backend: it remembers the highest event
/// ids it covers (``Marks``). A lookup reads its snapshot's marks, asks ``keysToRead(for:)``, reads
/// those keys (its backend's business) and hands them to ``add(_:_:)``. A reader with an older
/// snapshot may see a filter that is ahead of it; that only adds false positives, which the index
/// probes then answer. A lookup tests keys on an immutable ``Bits`` copy, without locking. About 10
/// bits per key gives a 1% false-positive rate; when the archive outgrows the filter it is rebuilt
/// twice as large.
///
/// Callers read keys one at a time (the first read is every key in the archive): each backend
/// holds a lock of its own around ``keysToRead(for:)``, the read and ``add(_:_:)``.
package final class KeyFilter: Sendable {
    private struct State {
        var bits = Bits(words: [])
        var capacity = 0
        var count = 0
        var marks = Marks.zero
    }

    private let state = Mutex(State())
    private static let hashes = 7
    private static let bitsPerKey = 10

    package init() {}

    /// How far a filter, or a snapshot of the archive, goes: its highest listing and record event ids.
    package struct Marks: Sendable, Equatable {
        package var defaulters: Int64
        package var records: Int64

        package static let zero = Marks(defaulters: 0, records: 0)

        package init(defaulters: Int64, records: Int64) {
            self.defaulters = defaulters
            self.records = records
        }

        func covers(_ other: Marks) -> Bool { defaulters >= other.defaulters && records >= other.records }
    }

    /// The keys of the listing events with `from.defaulters < id ≤ to.defaulters` and of the record
    /// events with `from.records < id ≤ to.records`. From ``Marks/zero`` it is every key up to `to`.
    package struct KeyRange: Sendable, Equatable {
        package var from: Marks
        package var to: Marks
    }

    /// The bits of a filter; a value, so a lookup keeps testing its copy while an import grows the filter.
    package struct Bits: Sendable {
        fileprivate var words: [UInt64]

        /// False only when the key cannot be in the archive.
        package func mayContain(_ key: Int64) -> Bool {
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

    /// The filter as it is, whatever it covers.
    package var bits: Bits { state.withLock { $0.bits } }

    /// What must be read for the filter to cover a snapshot's `marks`: nothing when it does; the
    /// keys since its own marks; or, when that many more could outgrow it (ids bound the count),
    /// every key, from ``Marks/zero``, to rebuild it larger.
    package func keysToRead(for marks: Marks) -> KeyRange? {
        state.withLock { state in
            guard !state.marks.covers(marks) else { return nil }
            let most = max(0, marks.defaulters - state.marks.defaulters) + max(0, marks.records - state.marks.records)
            let from = state.count + Int(most) > state.capacity ? Marks.zero : state.marks
            return KeyRange(from: from, to: marks)
        }
    }

    /// Adds the keys read for `range` and returns the bits, which now cover `range.to`.
    package func add(_ keys: [Int64], _ range: KeyRange) -> Bits {
        state.withLock { state in
            guard !state.marks.covers(range.to) else { return state.bits }
            if range.from == .zero {
                state.capacity = max(1 << 16, keys.count * 2)
                // A power-of-two number of bits, so a bit index is a mask rather than a division.
                var words = 1
                while words * 64 < state.capacity * KeyFilter.bitsPerKey { words <<= 1 }
                state.bits = Bits(words: Array(repeating: 0, count: words))
                state.count = 0
            }
            for key in keys { state.bits.insert(key) }
            state.count += keys.count
            state.marks = Marks(defaulters: max(state.marks.defaulters, range.to.defaulters), records: max(state.marks.records, range.to.records))
            return state.bits
        }
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
