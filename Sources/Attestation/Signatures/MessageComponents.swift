/// The parts of an HTTP exchange that RFC 9421 signatures can cover.
///
/// A response signature names response components (`"@status"`, `"content-type"`) and request
/// components with `;req` (`"@method";req`, `"@path";req`), binding the answer to the question.
public struct MessageComponents: Sendable {
    public struct Request: Sendable {
        public var method: String
        /// Path and query, as in the request line: `/foo?param=Value`.
        public var target: String
        public var authority: String
        public var scheme: String
        public var headers: [(name: String, value: String)]

        public init(method: String, target: String, authority: String, scheme: String = "https", headers: [(name: String, value: String)] = []) {
            self.method = method
            self.target = target
            self.authority = authority
            self.scheme = scheme
            self.headers = headers
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]

        public init(status: Int, headers: [(name: String, value: String)] = []) {
            self.status = status
            self.headers = headers
        }
    }

    public var request: Request?
    public var response: Response?

    /// A request being signed or verified on its own.
    public init(request: Request) {
        self.request = request
    }

    /// A response, with the request it answers.
    public init(response: Response, request: Request?) {
        self.response = response
        self.request = request
    }

    /// The value of one component, as RFC 9421 §2 defines it.
    func value(of component: ComponentID) throws(AttestationError) -> String {
        var missing: AttestationError { AttestationError(.componentMissing, "the message has no \(component.serialized) component") }
        // Without `;req`, components come from the response when there is one.
        let useRequest = component.fromRequest || response == nil
        if component.name.hasPrefix("@") {
            if component.name == "@status" {
                guard !component.fromRequest, let response else { throw missing }
                return String(response.status)
            }
            guard useRequest, let request else { throw missing }
            let (path, query) = Self.split(request.target)
            switch component.name {
            case "@method": return request.method.uppercased()
            case "@target-uri": return "\(request.scheme)://\(request.authority.lowercased())\(request.target)"
            case "@authority": return request.authority.lowercased()
            case "@scheme": return request.scheme.lowercased()
            case "@request-target": return request.target
            case "@path": return path.isEmpty ? "/" : path
            case "@query": return "?" + (query ?? "")
            default: throw AttestationError(.signatureMalformed, "unsupported derived component \(component.name)")
            }
        }
        let headers: [(name: String, value: String)]
        if useRequest {
            guard let request else { throw missing }
            headers = request.headers
        } else {
            guard let response else { throw missing }
            headers = response.headers
        }
        let values = headers.filter { $0.name.utf8.count == component.name.utf8.count && $0.name.lowercased() == component.name }
            .map { $0.value.trimmingOptionalWhitespace() }
        guard !values.isEmpty else { throw missing }
        return values.joined(separator: ", ")
    }

    private static func split(_ target: String) -> (path: String, query: String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }
}

/// A covered component: a field name (lower case) or a derived component (`@method`), optionally
/// taken from the request a response answers (`;req`).
public struct ComponentID: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var fromRequest: Bool

    public init(_ name: String, fromRequest: Bool = false) {
        self.name = name.lowercased()
        self.fromRequest = fromRequest
    }

    /// `"@path";req`
    public var serialized: String { StructuredField.quoted(name) + (fromRequest ? ";req" : "") }
    public var description: String { serialized }
}

extension String {
    /// Trims optional whitespace (SP and HTAB) as RFC 9110 defines it for field values.
    fileprivate func trimmingOptionalWhitespace() -> String {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return self }
        var slice = utf8[...]
        while let byte = slice.first, isSpace(byte) { slice = slice.dropFirst() }
        while let byte = slice.last, isSpace(byte) { slice = slice.dropLast() }
        return String(Substring(slice))
    }
}
