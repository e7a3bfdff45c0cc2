import CreditCore
import Foundation

/// JSON written directly, byte for byte what `JSONEncoder` with `[.sortedKeys,
/// .withoutEscapingSlashes]` and ISO 8601 dates makes of the same values, at a fraction of the cost.
///
/// Audit entries (their leaf bytes) and the gateway's answers are written with it: the generic
/// encoder spent more time on them than the archive lookup, the policy and the audit write
/// together. The writer does not sort: each caller lists its keys in sorted order, and a test per
/// caller holds the output to `JSONEncoder`'s.
public struct CanonicalJSON {
    public private(set) var bytes: [UInt8] = []

    public static func encode(capacity: Int = 2048, _ write: (inout CanonicalJSON) -> Void) -> Data {
        Data(bytes(capacity: capacity, write))
    }

    public static func bytes(capacity: Int = 2048, _ write: (inout CanonicalJSON) -> Void) -> [UInt8] {
        var json = CanonicalJSON()
        json.bytes.reserveCapacity(capacity)
        write(&json)
        return json.bytes
    }

    // MARK: Values

    public mutating func string(_ value: String) {
        var value = value
        bytes.append(UInt8(ascii: "\""))
        // One pass over the contiguous UTF-8: runs that need no escape (most strings — hashes,
        // proofs, dates, Chinese text — are one run) are copied whole.
        value.withUTF8 { utf8 in
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                escape(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
        case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
        case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        default: bytes += Array("\\u00".utf8) + Array(Hex.lowercase([byte]).utf8)
        }
    }

    /// Decimal digits written straight into the buffer (no intermediate `String`).
    public mutating func integer(_ value: some BinaryInteger) {
        guard let small = Int64(exactly: value) else { return bytes += Array(String(value).utf8) }
        if small < 0 { bytes.append(UInt8(ascii: "-")) }
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
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// JSON written before (a value this writer made), copied as it is.
    public mutating func raw(_ json: some Sequence<UInt8>) { bytes.append(contentsOf: json) }

    public mutating func bool(_ value: Bool) { bytes += Array((value ? "true" : "false").utf8) }

    /// ISO 8601 in UTC, whole seconds (`2026-11-25T08:00:00Z`), as `.iso8601` writes it.
    public mutating func date(_ value: Date) {
        let seconds = Int64(value.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = Int(seconds - days * 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        string("\(CalendarDay(dayNumber: Int(days)))T\(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60))Z")
    }

    public mutating func array<T>(_ values: [T], _ element: (inout CanonicalJSON, T) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An object; `fields` adds its members through ``Object`` in sorted key order.
    public mutating func object(_ fields: (inout Object) -> Void) {
        var object = Object(json: self)
        bytes = []
        object.json.bytes.append(UInt8(ascii: "{"))
        fields(&object)
        object.json.bytes.append(UInt8(ascii: "}"))
        self = object.json
    }

    public struct Object {
        fileprivate var json: CanonicalJSON
        private var first = true

        fileprivate init(json: CanonicalJSON) { self.json = json }

        /// A member; an absent optional is left out, as the synthesized `Encodable` does.
        public mutating func field(_ key: String, _ write: (inout CanonicalJSON) -> Void) {
            if !first { json.bytes.append(UInt8(ascii: ",")) }
            first = false
            json.string(key)
            json.bytes.append(UInt8(ascii: ":"))
            write(&json)
        }

        public mutating func string(_ key: String, _ value: String?) { if let value { field(key) { $0.string(value) } } }
        public mutating func integer(_ key: String, _ value: (some BinaryInteger)?) { if let value { field(key) { $0.integer(value) } } }
    }
}
