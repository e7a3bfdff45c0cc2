import CreditCore
import Foundation

/// JSON written directly, byte for byte what `JSONEncoder` with `[.sortedKeys,
/// .withoutEscapingSlashes]` and ISO 8601 dates makes of the same values, at a fraction of the cost.
///
/// Audit entries (their leaf bytes) and the gateway's answers are written with it: the generic
/// encoder spent more time on them than the archive lookup, the policy and the audit write
/// together. The writer does not sort: each caller lists its keys in sorted order, and a test per
/// caller holds the output to `JSONEncoder`'s.
///
/// The writers are `@inlinable`: callers in other modules (the gateway's answers, a batch's lines)
/// get them specialised and inlined rather than calling generic code through witness tables, which
/// had `array` alone at 7% of a batch job's time.
public struct CanonicalJSON {
    @usableFromInline var storage: [UInt8] = []

    /// The JSON written so far.
    @inlinable public var bytes: [UInt8] { storage }

    @inlinable public init() {}

    @inlinable public static func encode(capacity: Int = 2048, _ write: (inout CanonicalJSON) -> Void) -> Data {
        Data(bytes(capacity: capacity, write))
    }

    @inlinable public static func bytes(capacity: Int = 2048, _ write: (inout CanonicalJSON) -> Void) -> [UInt8] {
        var json = CanonicalJSON()
        json.storage.reserveCapacity(capacity)
        write(&json)
        return json.storage
    }

    // MARK: Values

    @inlinable public mutating func string(_ value: String) {
        var value = value
        storage.append(UInt8(ascii: "\""))
        // One pass over the contiguous UTF-8: runs that need no escape (most strings — hashes,
        // proofs, dates, Chinese text — are one run) are copied whole.
        value.withUTF8 { utf8 in
            var runStart = 0
            var index = Self.escapeIndex(in: utf8, from: 0)
            while index < utf8.count {
                storage.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                escape(utf8[index])
                runStart = index + 1
                index = Self.escapeIndex(in: utf8, from: runStart)
            }
            storage.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        storage.append(UInt8(ascii: "\""))
    }

    /// Where the first byte from `start` on that JSON escapes is (a control character, `"` or `\`),
    /// or the end. Eight bytes are looked at a time: a byte at a time, this scan was most of the
    /// cost of writing a batch job's answers, entries and receipts.
    @inlinable static func escapeIndex(in utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = utf8.baseAddress else { return 0 }
        var index = start
        while index + 8 <= utf8.count {
            if mayNeedEscape(UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))) {
                for byte in index..<index + 8 where needsEscape(utf8[byte]) { return byte }
            }
            index += 8
        }
        while index < utf8.count, !needsEscape(utf8[index]) { index += 1 }
        return index
    }

    @inlinable static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Whether any of the eight bytes may be one ``needsEscape(_:)`` holds for: a byte below 0x20,
    /// or one equal to `"` or `\` (its XOR with them zero), each found by the borrow it makes
    /// (the "has less" and "has zero" bit tricks). A word it passes is copied without a look at
    /// each byte; one it flags is looked at byte by byte.
    @inlinable static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* UInt64(UInt8(ascii: "\""))), backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let below = (word &- ones &* 0x20) & ~word
        return (below | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs != 0
    }

    @usableFromInline mutating func escape(_ byte: UInt8) {
        storage.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): storage.append(byte)
        case 0x08: storage.append(UInt8(ascii: "b"))
        case 0x09: storage.append(UInt8(ascii: "t"))
        case 0x0A: storage.append(UInt8(ascii: "n"))
        case 0x0C: storage.append(UInt8(ascii: "f"))
        case 0x0D: storage.append(UInt8(ascii: "r"))
        default: storage += Array("u00".utf8) + Array(Hex.lowercase([byte]).utf8)
        }
    }

    /// Decimal digits written straight into the buffer (no intermediate `String`).
    @inlinable public mutating func integer(_ value: some BinaryInteger) {
        guard let small = Int64(exactly: value) else { return storage += Array(String(value).utf8) }
        if small < 0 { storage.append(UInt8(ascii: "-")) }
        var magnitude = small.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            storage.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// JSON written before (a value this writer made), copied as it is.
    @inlinable public mutating func raw(_ json: some Sequence<UInt8>) { storage.append(contentsOf: json) }

    @inlinable public mutating func bool(_ value: Bool) { storage += Array((value ? "true" : "false").utf8) }

    /// ISO 8601 in UTC, whole seconds (`2026-11-25T08:00:00Z`), as `.iso8601` writes it, except in
    /// the last half millisecond of a second: Foundation's formatter rounds to milliseconds first and
    /// writes the next second; the fraction is dropped here.
    @inlinable public mutating func date(_ value: Date) { string(Self.iso8601(value)) }

    /// The text of ``date(_:)``. Made by arithmetic, not by `ISO8601DateFormatter` (a CoreFoundation
    /// formatter per call): the gateway's OpenAPI date transcoder writes answers' dates with it too.
    public static func iso8601(_ value: Date) -> String {
        let seconds = Int64(value.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = Int(seconds - days * 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(CalendarDay(dayNumber: Int(days)))T\(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60))Z"
    }

    @inlinable public mutating func array<T>(_ values: [T], _ element: (inout CanonicalJSON, T) -> Void) {
        storage.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { storage.append(UInt8(ascii: ",")) }
            element(&self, value)
        }
        storage.append(UInt8(ascii: "]"))
    }

    /// An object; `fields` adds its members through ``Object`` in sorted key order.
    @inlinable public mutating func object(_ fields: (inout Object) -> Void) {
        var object = Object(json: self)
        storage = []
        object.json.storage.append(UInt8(ascii: "{"))
        fields(&object)
        object.json.storage.append(UInt8(ascii: "}"))
        self = object.json
    }

    public struct Object {
        @usableFromInline var json: CanonicalJSON
        @usableFromInline var first = true

        @inlinable init(json: CanonicalJSON) { self.json = json }

        /// A member; an absent optional is left out, as the synthesized `Encodable` does.
        @inlinable public mutating func field(_ key: String, _ write: (inout CanonicalJSON) -> Void) {
            if !first { json.storage.append(UInt8(ascii: ",")) }
            first = false
            json.string(key)
            json.storage.append(UInt8(ascii: ":"))
            write(&json)
        }

        @inlinable public mutating func string(_ key: String, _ value: String?) { if let value { field(key) { $0.string(value) } } }
        @inlinable public mutating func integer(_ key: String, _ value: (some BinaryInteger)?) { if let value { field(key) { $0.integer(value) } } }
    }
}
