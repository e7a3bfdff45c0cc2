import Foundation

/// The named fields a feed format knows, and the names (and spreadsheet header aliases) that map
/// to each. Matching is on raw bytes, with no string built per key: an import looks up tens of
/// millions of keys.
struct FieldSchema: Sendable {
    let fields: [String]
    private let keys: [(bytes: [UInt8], index: Int)]

    /// `aliases` maps extra names (e.g. Chinese CSV headers) to a field.
    init(fields: [String], aliases: [String: String] = [:]) {
        self.fields = fields
        var keys = fields.enumerated().map { (Array($0.element.utf8), $0.offset) }
        for (alias, field) in aliases {
            if let index = fields.firstIndex(of: field) { keys.append((Array(alias.utf8), index)) }
        }
        self.keys = keys
    }

    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        for candidate in keys where candidate.bytes.count == key.count {
            if candidate.bytes.withUnsafeBufferPointer({ $0.elementsEqual(key) }) {
                return candidate.index
            }
        }
        return nil
    }

    func index(of key: String) -> Int? {
        var key = key
        return key.withUTF8 { index(of: $0) }
    }
}

/// One parsed line (or JSON object): the values by field index, and where it came from.
struct FieldRow {
    var line: Int
    var values: [String?]

    subscript(_ index: Int) -> String? {
        guard let value = values[index], !value.isEmpty else { return nil }
        // Trimming is rare work; checking the ends first keeps the common case allocation-free.
        let utf8 = value.utf8
        guard let first = utf8.first, let last = utf8.last,
              first <= 0x20 || last <= 0x20 || first == 0xE3 || last == 0x80 else { return value }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }
}
