import CreditCore
import Foundation

/// The compact binary form of a listing's published fields, stored in one BLOB per event.
///
/// Each field is a tag byte and a value: `0` absent, `1` UTF-8 text (varint length, bytes), `2` an
/// interned text (varint id into the `texts` table), `3` an integer (zig-zag varint). Court names,
/// situations, provinces and other repeated values are interned, dates are day numbers: an event
/// takes about half the bytes its columns would, and one bind instead of sixteen.
package enum DetailCodec {
    package enum Value: Equatable {
        case absent
        case text(ArraySlice<UInt8>)
        case interned(Int64)
        case integer(Int64)
    }

    package struct Writer {
        package var bytes: [UInt8] = []

        package init() { bytes.reserveCapacity(256) }

        package mutating func absent() { bytes.append(0) }

        package mutating func text(_ value: ArraySlice<UInt8>) {
            bytes.append(1)
            varint(UInt64(value.count))
            bytes.append(contentsOf: value)
        }

        package mutating func interned(_ id: Int64) {
            bytes.append(2)
            varint(UInt64(id))
        }

        package mutating func integer(_ value: Int64) {
            bytes.append(3)
            varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
        }

        private mutating func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }
    }

    package struct Reader {
        package let bytes: ArraySlice<UInt8>
        package var position: Int

        package init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.position = bytes.startIndex
        }

        /// The next value; `nil` when the blob is exhausted or malformed.
        package mutating func next() -> Value? {
            guard position < bytes.endIndex else { return nil }
            let tag = bytes[position]
            position += 1
            switch tag {
            case 0: return .absent
            case 1:
                guard let count = varint(), position + Int(count) <= bytes.endIndex else { return nil }
                defer { position += Int(count) }
                return .text(bytes[position..<(position + Int(count))])
            case 2: return varint().map { .interned(Int64($0)) }
            case 3: return varint().map { .integer(Int64(bitPattern: ($0 >> 1) ^ (0 &- ($0 & 1)))) }
            default: return nil
            }
        }

        private mutating func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < bytes.endIndex, shift < 64 {
                let b = bytes[position]
                position += 1
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
            return nil
        }
    }
}

/// Assigns ids to repeated short texts (court names, situations, ...) for ``DetailCodec``.
///
/// Bounded: texts longer than ``maxLength`` and anything past ``maxDistinct`` distinct values are
/// stored inline instead, so a feed with free text in an interned field cannot exhaust memory. An
/// open-addressing table keyed by a 64-bit FNV hash, with the texts kept in one byte buffer, costs a
/// hash and a `memcmp` per field: this runs seven times per imported line.
package struct TextInterner: Sendable {
    package static let maxLength = 120
    package static let maxDistinct = 100_000
    private static let capacity = 1 << 18  // over twice maxDistinct: probe chains stay short

    /// Slot → (hash, id); id 0 marks an empty slot.
    private var slots: [(hash: UInt64, id: Int64)]
    /// Text bytes by id, as ranges into `bytes`.
    private var ranges: [Int64: Range<Int>] = [:]
    private var bytes: [UInt8] = []
    private var count = 0
    private(set) var nextID: Int64 = 1

    /// Starts from the texts already in the archive.
    package init(existing: [(id: Int64, text: [UInt8])]) {
        slots = Array(repeating: (0, 0), count: TextInterner.capacity)
        for (id, text) in existing {
            insert(id: id, text: text[...], hash: Self.hash(text[...]))
            nextID = max(nextID, id + 1)
        }
    }

    private static func hash(_ text: ArraySlice<UInt8>) -> UInt64 {
        var hash = FNV1a64()
        hash.combine(text)
        return hash.value
    }

    private mutating func insert(id: Int64, text: ArraySlice<UInt8>, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & (TextInterner.capacity - 1)
        while slots[slot].id != 0 { slot = (slot + 1) & (TextInterner.capacity - 1) }
        slots[slot] = (hash, id)
        let start = bytes.count
        bytes.append(contentsOf: text)
        ranges[id] = start..<bytes.count
        count += 1
    }

    /// The id of a text, and whether it is new (to be stored); `nil` when it is to be stored inline.
    package mutating func id(for text: ArraySlice<UInt8>) -> (id: Int64, isNew: Bool)? {
        guard text.count <= TextInterner.maxLength else { return nil }
        let hash = Self.hash(text)
        var slot = Int(truncatingIfNeeded: hash) & (TextInterner.capacity - 1)
        while slots[slot].id != 0 {
            if slots[slot].hash == hash, let range = ranges[slots[slot].id], range.count == text.count {
                let same = bytes.withUnsafeBufferPointer { stored in
                    text.withUnsafeBufferPointer { probe in
                        guard let a = stored.baseAddress, let b = probe.baseAddress else { return text.isEmpty }
                        return memcmp(a + range.lowerBound, b, text.count) == 0
                    }
                }
                // A different text with the same 64-bit hash is simply stored inline.
                return same ? (slots[slot].id, false) : nil
            }
            slot = (slot + 1) & (TextInterner.capacity - 1)
        }
        guard count < TextInterner.maxDistinct else { return nil }
        let id = nextID
        nextID += 1
        insert(id: id, text: text, hash: hash)
        return (id, true)
    }
}
