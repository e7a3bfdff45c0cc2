import Foundation

/// The named fields a feed format knows, and the names (and spreadsheet header aliases) that map
/// to each. Matching is on raw bytes, with no string built per key: an import looks up tens of
/// millions of keys.
package struct FieldSchema: Sendable {
    package let fields: [String]
    private let keys: [(bytes: [UInt8], index: Int)]

    /// `aliases` maps extra names (e.g. Chinese CSV headers) to a field.
    package init(fields: [String], aliases: [String: String] = [:]) {
        self.fields = fields
        var keys = fields.enumerated().map { (Array($0.element.utf8), $0.offset) }
        for (alias, field) in aliases {
            if let index = fields.firstIndex(of: field) { keys.append((Array(alias.utf8), index)) }
        }
        self.keys = keys
    }

    package func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        for candidate in keys where candidate.bytes.count == key.count {
            let equal = candidate.bytes.withUnsafeBufferPointer { stored in
                guard let a = stored.baseAddress, let b = key.baseAddress else { return key.isEmpty }
                return memcmp(a, b, key.count) == 0
            }
            if equal { return candidate.index }
        }
        return nil
    }

    package func index(of key: String) -> Int? {
        var key = key
        return key.withUTF8 { index(of: $0) }
    }
}
