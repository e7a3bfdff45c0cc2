import Foundation
import GatewayAPI

/// A batch job's input line read as a `BatchCandidate`.
///
/// Lines as clients write them, one object of string or null members and nothing more, are read
/// directly (``plain(_:)``). Any other line goes to `JSONDecoder`, which decides what it means.
/// `JSONDecoder` took 5–6% of a 1M-line job's CPU. The `candidate-line` fuzz target holds the
/// direct reading to `JSONDecoder`'s: a line it reads, `JSONDecoder` reads the same.
package enum CandidateLine {
    /// The line's candidate; `nil` when it is not a JSON object (the line's error then says so).
    static func decode(_ line: Data) -> Components.Schemas.BatchCandidate? {
        plain(line) ?? (try? CheckStore.decoder.decode(Components.Schemas.BatchCandidate.self, from: line))
    }

    /// The candidate of a line that is one object whose members are `name`, `idNumber` and
    /// `reference`, each at most once, each a string without escapes or `null`, with any
    /// whitespace between them (Python's `json.dumps` writes a space after each colon and comma;
    /// a CRLF file's lines end in a CR). `nil` for every other line, including those `JSONDecoder` reads.
    package static func plain(_ line: Data) -> Components.Schemas.BatchCandidate? {
        line.withUnsafeBytes { raw in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            return reader.candidate()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func candidate() -> Components.Schemas.BatchCandidate? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var candidate = Components.Schemas.BatchCandidate()
            var seen = (name: false, idNumber: false, reference: false)
            if !take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = string(), take(UInt8(ascii: ":")) else { return nil }
                    var value: String?
                    if !takeNull() {
                        guard let text = string(), let valid = String(validating: text, as: UTF8.self) else { return nil }
                        value = valid
                    }
                    if key.elementsEqual("name".utf8), !seen.name {
                        (candidate.name, seen.name) = (value, true)
                    } else if key.elementsEqual("idNumber".utf8), !seen.idNumber {
                        (candidate.idNumber, seen.idNumber) = (value, true)
                    } else if key.elementsEqual("reference".utf8), !seen.reference {
                        (candidate.reference, seen.reference) = (value, true)
                    } else {
                        return nil
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipWhitespace()
            return at == bytes.count ? candidate : nil
        }

        /// A string's bytes between its quotes, when it has no escape and no control character.
        mutating func string() -> UnsafeBufferPointer<UInt8>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = at
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    at += 1
                    return UnsafeBufferPointer(rebasing: bytes[start..<(at - 1)])
                }
                guard byte >= 0x20, byte != UInt8(ascii: "\\") else { return nil }
                at += 1
            }
            return nil
        }

        /// The next token if it is `byte`, after any whitespace.
        mutating func take(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        mutating func takeNull() -> Bool {
            skipWhitespace()
            guard bytes.count - at >= 4, bytes[at..<(at + 4)].elementsEqual("null".utf8) else { return false }
            at += 4
            return true
        }

        mutating func skipWhitespace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0A || bytes[at] == 0x0D { at += 1 }
        }
    }
}
