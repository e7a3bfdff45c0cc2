import Foundation
import HTTPTypes
import NIOCore

/// An RFC 9457 problem: what the gateway answers instead of a result.
///
/// Handlers throw it; ``ProblemMiddleware`` turns it (and every other error) into an
/// `application/problem+json` response. `code` is stable, for programs; `pointer` (RFC 6901) names
/// the field at fault. A detail never carries a full ID number: an ID is echoed masked at most.
package struct Problem: Error, Sendable, Hashable {
    package var status: HTTPResponse.Status
    package var code: String
    package var title: String
    package var detail: String?
    package var pointer: String?
    /// Seconds, for 429 and 503.
    package var retryAfter: Int?
    /// The methods a path answers, for 405 (`Allow`).
    package var allow: [HTTPRequest.Method]?

    package init(_ status: HTTPResponse.Status, code: String, title: String, detail: String? = nil, pointer: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.pointer = pointer
        self.retryAfter = retryAfter
    }

    package static func malformed(_ detail: String, pointer: String? = nil) -> Problem {
        Problem(.badRequest, code: "request.malformed", title: "The request is malformed", detail: detail, pointer: pointer)
    }

    /// A well-formed field that is not acceptable (422), with the domain's own code (`id.checksum`, ...).
    package static func invalid(code: String, _ detail: String, pointer: String) -> Problem {
        Problem(.unprocessableContent, code: code, title: "A field is not valid", detail: detail, pointer: pointer)
    }

    package static func methodNotAllowed(_ method: HTTPRequest.Method, allow: [HTTPRequest.Method]) -> Problem {
        var problem = Problem(.methodNotAllowed, code: "request.method", title: "Method not allowed",
                              detail: "\(method) is not one of \(allow.map(\.rawValue).joined(separator: ", ")) for this path")
        problem.allow = allow
        return problem
    }

    package static func forbidden(operation: String, clientID: String) -> Problem {
        Problem(.forbidden, code: "role.forbidden", title: "Not allowed for this client",
                detail: "client \(clientID) has no role that may \(operation)")
    }

    package static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, code: "not-found", title: "Not found", detail: detail)
    }

    package static let tooLarge = Problem(.contentTooLarge, code: "request.too-large", title: "The request body is too large")

    package static func unsupportedMediaType(_ received: String?) -> Problem {
        Problem(.unsupportedMediaType, code: "request.media-type", title: "Unsupported content type",
                detail: "send application/json\(received.map { ", not \($0)" } ?? "")")
    }

    /// A store out of reach for now (the shared database restarting): try again shortly.
    package static let storeUnavailable = Problem(
        .serviceUnavailable, code: "service.unavailable", title: "The service's database cannot be reached just now",
        detail: "nothing was recorded or answered; send the request again", retryAfter: 2)

    package static func notReady(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, code: "service.not-ready", title: "The service is not ready", detail: detail, retryAfter: 5)
    }

    package static let internalError = Problem(.internalServerError, code: "internal", title: "Internal error",
                                               detail: "the error was logged; nothing was changed")

    /// The JSON document.
    package var body: [UInt8] {
        var object: [String: Any] = [
            "type": "https://creditgate.local/problems/\(code)", "title": title, "status": status.code, "code": code,
        ]
        if let detail { object["detail"] = detail }
        if let pointer { object["pointer"] = pointer }
        // A dictionary of strings and an integer always serializes.
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    package static let contentType = "application/problem+json"
}

extension Problem {
    /// The RFC 6901 pointer for a decoding error's coding path (`/candidates/3/idNumber`).
    package static func pointer(_ path: [any CodingKey]) -> String {
        path.map { key in
            let token = key.intValue.map(String.init) ?? key.stringValue
            return "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        }.joined()
    }

    /// A problem for a body that did not decode: which field, and what was wrong, never its value.
    package static func decoding(_ error: DecodingError) -> Problem {
        switch error {
        case .keyNotFound(let key, let context):
            return .malformed("the field \(key.stringValue) is required", pointer: pointer(context.codingPath + [key]))
        case .typeMismatch(let type, let context):
            return .malformed("the field has the wrong type (expected \(type))", pointer: pointer(context.codingPath))
        case .valueNotFound(_, let context):
            return .malformed("the field must not be null", pointer: pointer(context.codingPath))
        case .dataCorrupted(let context):
            return .malformed(context.codingPath.isEmpty ? "the body is not valid JSON" : "the field's value is not allowed",
                              pointer: context.codingPath.isEmpty ? nil : pointer(context.codingPath))
        @unknown default:
            return .malformed("the body could not be read")
        }
    }
}
