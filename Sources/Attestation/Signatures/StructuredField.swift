import RawStructuredFieldValues

/// Parsing and canonical serialisation of the structured fields (RFC 9651) the signatures use.
enum StructuredField {
    static func dictionary(_ value: String, field: String) throws(AttestationError) -> OrderedMap<String, ItemOrInnerList> {
        var parser = StructuredFieldValueParser(Array(value.utf8))
        do {
            return try parser.parseDictionaryFieldValue()
        } catch {
            throw AttestationError(.fieldMalformed, "\(field) is not a structured dictionary")
        }
    }

    /// `"value"` with `\` and `"` escaped.
    static func quoted(_ string: String) -> String {
        // The usual case (key ids, tags, component names): nothing to escape.
        if !string.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) { return "\"" + string + "\"" }
        var out = "\""
        for ch in string {
            if ch == "\\" || ch == "\"" { out.append("\\") }
            out.append(ch)
        }
        out.append("\"")
        return out
    }

    static func serialize(_ item: RFC9651BareItem) -> String {
        switch item {
        case .bool(let b): b ? "?1" : "?0"
        case .integer(let i): String(i)
        case .string(let s): quoted(s)
        case .token(let t): t
        case .undecodedByteSequence(let b): ":\(b):"
        case .decimal(let d): String(describing: d)
        case .date(let seconds): "@\(seconds)"
        case .displayString(let s):
            "%\"" + s.utf8.map { b in
                b < 0x20 || b > 0x7E || b == UInt8(ascii: "%") || b == UInt8(ascii: "\"")
                    ? "%" + String(b, radix: 16).leftPadded(to: 2) : String(UnicodeScalar(b))
            }.joined() + "\""
        }
    }

    static func serialize(parameters: OrderedMap<String, RFC9651BareItem>) -> String {
        var out = ""
        for (key, value) in parameters {
            if case .bool(true) = value {
                out += ";\(key)"
            } else {
                out += ";\(key)=\(serialize(value))"
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
