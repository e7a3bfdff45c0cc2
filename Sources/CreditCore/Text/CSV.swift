import Foundation

/// RFC 4180 CSV fields, split on bytes; shared by the archive's feed importer and the HR client's
/// candidate files, both of which receive spreadsheet exports.
///
/// Splitting works on the raw bytes for both UTF-8 and GB18030 input: GB18030's trailing bytes are
/// never `"`, `,` or a line break, so the structure can be found before decoding each field.
package enum CSV {
    /// The byte ranges of a record's fields, unquoted; `nil` when a quoted field is still open at the
    /// end of the bytes (the record continues on the next line).
    package static func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [[UInt8]]? {
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var i = 0
        var quoted = false
        var atFieldStart = true
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 2
                        continue
                    }
                    quoted = false
                } else {
                    field.append(b)
                }
            } else if b == UInt8(ascii: ",") {
                fields.append(field)
                field.removeAll(keepingCapacity: true)
                atFieldStart = true
                i += 1
                continue
            } else if b == UInt8(ascii: "\""), atFieldStart {
                quoted = true
            } else {
                field.append(b)
            }
            atFieldStart = false
            i += 1
        }
        if quoted { return nil }
        fields.append(field)
        return fields
    }

    /// The text encodings a spreadsheet export arrives in.
    package enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case gb18030 = "GB18030"

        /// CoreFoundation's GB_18030_2000 code, which Foundation on Linux decodes.
        package static let foundationGB18030 = String.Encoding(rawValue: 0x8000_0632)

        package func decode(_ bytes: [UInt8]) -> String? {
            switch self {
            case .utf8: String(validating: bytes, as: UTF8.self)
            case .gb18030: bytes.isEmpty ? "" : String(bytes: bytes, encoding: Encoding.foundationGB18030)
            }
        }

        /// UTF-8 when the sample is valid UTF-8 (a sequence cut at the end is allowed), else GB18030,
        /// which is what Excel writes in a Chinese locale.
        package static func sniff(_ sample: ArraySlice<UInt8>) -> Encoding {
            var bytes = Array(sample)
            for _ in 0..<4 {
                if String(validating: bytes, as: UTF8.self) != nil { return .utf8 }
                guard !bytes.isEmpty else { break }
                bytes.removeLast()
            }
            return .gb18030
        }
    }
}

extension CSV {
    /// One field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break.
    package static func field(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A record's line (without its line break).
    package static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }
}
