import Foundation

/// A parser for the flat JSON objects that defaulter and record feeds carry, one per NDJSON line.
///
/// Feed objects hold strings, numbers, booleans and nulls; nested values are skipped when their key
/// is unknown and refused when it names a field. Written by hand because Foundation's
/// `JSONDecoder` costs several microseconds per object, and an import parses ten million.
package enum FlatJSON {
    package struct SyntaxError: Error {
        package var reason: String
    }

    /// Parses one object starting at `position` (leading whitespace allowed); stores the schema's
    /// fields in `row` and returns the index after the closing brace.
    package static func parseObject(
        _ bytes: UnsafeBufferPointer<UInt8>, from position: Int, schema: FieldSchema, into row: inout FieldRow
    ) throws(SyntaxError) -> Int {
        var i = skipWhitespace(bytes, position)
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { throw SyntaxError(reason: "expected a JSON object") }
        i = skipWhitespace(bytes, i + 1)
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return i + 1 }
        while true {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw SyntaxError(reason: "expected a field name") }
            let keyEnd = try endOfString(bytes, i)
            let field: Int?
            if !bytes[(i + 1)..<keyEnd].contains(0x5C) {
                field = schema.index(of: UnsafeBufferPointer(rebasing: bytes[(i + 1)..<keyEnd]))
            } else {
                field = schema.index(of: String(decoding: try unescape(bytes, from: i, to: keyEnd), as: UTF8.self))
            }
            i = skipWhitespace(bytes, keyEnd + 1)
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw SyntaxError(reason: "expected ':'") }
            i = skipWhitespace(bytes, i + 1)
            guard i < bytes.count else { throw SyntaxError(reason: "unexpected end of line") }
            switch bytes[i] {
            case UInt8(ascii: "\""):
                let end = try endOfString(bytes, i)
                if let field { try storeString(bytes, from: i, to: end, field: field, into: &row) }
                i = end + 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if let field { throw SyntaxError(reason: "field \(schema.fields[field]) holds a nested value") }
                i = try skipNested(bytes, i)
            default:
                var end = i
                while end < bytes.count, !isDelimiter(bytes[end]) { end += 1 }
                let token = UnsafeBufferPointer(rebasing: bytes[i..<end])
                guard !token.isEmpty else { throw SyntaxError(reason: "expected a value") }
                if let field {
                    if token.elementsEqual("null".utf8) {
                        row.clear(field)
                    } else {
                        guard token.elementsEqual("true".utf8) || token.elementsEqual("false".utf8) || isNumber(token) else {
                            throw SyntaxError(reason: "field \(schema.fields[field]): not a JSON value")
                        }
                        row.set(field, token)
                    }
                }
                i = end
            }
            i = skipWhitespace(bytes, i)
            guard i < bytes.count else { throw SyntaxError(reason: "unexpected end of object") }
            if bytes[i] == UInt8(ascii: ",") {
                i = skipWhitespace(bytes, i + 1)
                continue
            }
            guard bytes[i] == UInt8(ascii: "}") else { throw SyntaxError(reason: "expected ',' or '}'") }
            return i + 1
        }
    }

    @inline(__always) package static func skipWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        return i
    }

    @inline(__always) private static func isDelimiter(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    /// Index of the closing quote of the string opening at `start`.
    private static func endOfString(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) throws(SyntaxError) -> Int {
        guard let base = bytes.baseAddress else { throw SyntaxError(reason: "unterminated string") }
        var i = start + 1
        while i < bytes.count {
            // memchr to the next quote; it closes the string unless an odd run of backslashes precedes it.
            guard let found = memchr(base + i, 0x22, bytes.count - i) else { break }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - backslashes - 1 > start, bytes[quote - backslashes - 1] == 0x5C { backslashes += 1 }
            if backslashes % 2 == 0 { return quote }
            i = quote + 1
        }
        throw SyntaxError(reason: "unterminated string")
    }

    /// Stores a string value: straight from the line when it has no escapes, else unescaped.
    private static func storeString(
        _ bytes: UnsafeBufferPointer<UInt8>, from open: Int, to close: Int, field: Int, into row: inout FieldRow
    ) throws(SyntaxError) {
        let body = UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close])
        if !body.contains(0x5C) {
            guard UTF8Check.isValid(body) else { throw SyntaxError(reason: "a string is not valid UTF-8") }
            row.set(field, body)
            return
        }
        let unescaped = try unescape(bytes, from: open, to: close)
        try unescaped.withUnsafeBufferPointer { (buffer) throws(SyntaxError) in
            guard UTF8Check.isValid(buffer) else { throw SyntaxError(reason: "a string is not valid UTF-8") }
            row.set(field, buffer)
        }
    }

    private static func isNumber(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        // JSON numbers: -?digits(.digits)?([eE][+-]?digits)?; checked loosely by character set and
        // confirmed by Double's parser only when a character outside digits appears.
        if token.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return true }
        return Double(String(decoding: token, as: UTF8.self)) != nil
    }

    private static func unescape(_ bytes: UnsafeBufferPointer<UInt8>, from open: Int, to close: Int) throws(SyntaxError) -> [UInt8] {
        let body = UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close])
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = 0
        while i < body.count {
            let b = body[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < body.count else { throw SyntaxError(reason: "bad escape") }
            let e = body[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(body, i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= body.count, body[i] == UInt8(ascii: "\\"), body[i + 1] == UInt8(ascii: "u") else {
                        throw SyntaxError(reason: "lone surrogate in \\u escape")
                    }
                    let low = try hex4(body, i + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw SyntaxError(reason: "bad surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let u = Unicode.Scalar(scalar) else { throw SyntaxError(reason: "bad \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw SyntaxError(reason: "bad escape")
            }
        }
        return out
    }

    private static func hex4(_ body: UnsafeBufferPointer<UInt8>, _ at: Int) throws(SyntaxError) -> UInt32 {
        guard at + 4 <= body.count else { throw SyntaxError(reason: "short \\u escape") }
        var value: UInt32 = 0
        for k in at..<(at + 4) {
            let c = body[k]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw SyntaxError(reason: "bad \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    private static func skipNested(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) throws(SyntaxError) -> Int {
        var depth = 0
        var i = start
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""): i = try endOfString(bytes, i)
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default: break
            }
            i += 1
        }
        throw SyntaxError(reason: "unterminated nested value")
    }
}

