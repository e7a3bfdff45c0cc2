/// One parsed line (or JSON object or CSV record): each field's UTF-8 value, unescaped and trimmed,
/// in one reusable buffer.
///
/// Importers read ten million rows; keeping values as byte ranges in a buffer that is reused for
/// every row means no allocation per field. A `String` is built only for the fields a validator
/// needs as text.
package struct FieldRow {
    package var line = 0
    private(set) var storage: [UInt8] = []
    private var ranges: [Range<Int>?]

    package init(fieldCount: Int) {
        ranges = Array(repeating: nil, count: fieldCount)
        storage.reserveCapacity(4096)
    }

    package mutating func reset(line: Int) {
        self.line = line
        storage.removeAll(keepingCapacity: true)
        for i in ranges.indices { ranges[i] = nil }
    }

    /// Stores a field's value, trimming spaces, tabs and ideographic spaces; an empty value is absent.
    package mutating func set(_ field: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        // U+3000 (E3 80 80), which Chinese input methods type as a space.
        while end - start >= 3, bytes[start] == 0xE3, bytes[start + 1] == 0x80, bytes[start + 2] == 0x80 { start += 3 }
        while end - start >= 3, bytes[end - 3] == 0xE3, bytes[end - 2] == 0x80, bytes[end - 1] == 0x80 { end -= 3 }
        guard end > start else {
            ranges[field] = nil
            return
        }
        let offset = storage.count
        storage.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        ranges[field] = offset..<storage.count
    }

    package mutating func set(_ field: Int, _ text: String) {
        var text = text
        text.withUTF8 { set(field, $0) }
    }

    package mutating func clear(_ field: Int) { ranges[field] = nil }

    /// The field's bytes, or `nil` when absent or empty.
    package func bytes(_ field: Int) -> ArraySlice<UInt8>? {
        ranges[field].map { storage[$0] }
    }

    /// The field as text, or `nil` when absent or empty.
    package subscript(_ field: Int) -> String? {
        ranges[field].map { String(decoding: storage[$0], as: UTF8.self) }
    }
}

/// UTF-8 validation without building a string.
package enum UTF8Check {
    package static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard i + length <= n, (lower...upper).contains(bytes[i + 1]) else { return false }
            for k in 2..<length where !(0x80...0xBF).contains(bytes[i + k]) { return false }
            i += length
        }
        return true
    }
}
