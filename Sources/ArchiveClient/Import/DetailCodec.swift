import CreditCore

/// The compact binary form of a listing's published fields, stored in one BLOB per event.
///
/// Each field is a tag byte and a value: `0` absent, `1` UTF-8 text (varint length, bytes), `2` an
/// interned text (varint id into the `texts` table), `3` an integer (zig-zag varint). Court names,
/// situations, provinces and other repeated values are interned, dates are day numbers: an event
/// takes about half the bytes its columns would, and one bind instead of sixteen.
enum DetailCodec {
    enum Value: Equatable {
        case absent
        case text(ArraySlice<UInt8>)
        case interned(Int64)
        case integer(Int64)
    }

    struct Writer {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(256) }

        mutating func absent() { bytes.append(0) }

        mutating func text(_ value: ArraySlice<UInt8>) {
            bytes.append(1)
            varint(UInt64(value.count))
            bytes.append(contentsOf: value)
        }

        mutating func interned(_ id: Int64) {
            bytes.append(2)
            varint(UInt64(id))
        }

        mutating func integer(_ value: Int64) {
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

    struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.position = bytes.startIndex
        }

        /// The next value; `nil` when the blob is exhausted or malformed.
        mutating func next() -> Value? {
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
/// stored inline instead, so a feed with free text in an interned field cannot exhaust memory.
struct TextInterner: Sendable {
    static let maxLength = 120
    static let maxDistinct = 100_000

    private var idsByHash: [UInt64: Int64] = [:]
    /// Texts by id, for telling a hash collision from a repeat.
    private var textsByID: [Int64: [UInt8]] = [:]
    private(set) var nextID: Int64

    /// Starts from the texts already in the archive.
    init(existing: [(id: Int64, text: [UInt8])]) {
        var next: Int64 = 1
        for (id, text) in existing {
            var hash = FNV1a64()
            hash.combine(text)
            idsByHash[hash.value] = id
            textsByID[id] = text
            next = max(next, id + 1)
        }
        nextID = next
    }

    /// The id of a text, and whether it is new (to be stored); `nil` when it is to be stored inline.
    mutating func id(for text: ArraySlice<UInt8>) -> (id: Int64, isNew: Bool)? {
        guard text.count <= TextInterner.maxLength else { return nil }
        var hash = FNV1a64()
        hash.combine(text)
        if let id = idsByHash[hash.value] {
            // A hash collision with another text: store this one inline.
            return textsByID[id]?.elementsEqual(text) == true ? (id, false) : nil
        }
        guard textsByID.count < TextInterner.maxDistinct else { return nil }
        let id = nextID
        nextID += 1
        idsByHash[hash.value] = id
        textsByID[id] = Array(text)
        return (id, true)
    }
}

