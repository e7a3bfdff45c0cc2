import HTTPTypes
import Hummingbird
import NIOCore

/// The public listener's gate: only the operations the contract marks `x-public: true`, asked
/// without a client certificate, within each client address's rate.
///
/// An operation the contract declares for certificate holders is refused `403 certificate.required`
/// (it exists, on the other listener); a public path asked with a method the contract does not
/// declare is `405`; any other path is `404`. What passes runs with
/// ``PublicListener/isCurrent`` set, so that the handlers serve it anonymously and do not audit
/// it: the log records who did what, and an anonymous read that grew it would let anyone grow it.
package struct PublicAccessMiddleware: RouterMiddleware {
    package typealias Context = GatewayRequestContext
    /// The contract's routes, all of them: tells "needs a certificate" from "no such path".
    let declared: AllowedMethods
    let limiter: RateLimiter

    private static let open = AllowedMethods(PublicListener.routes.map { (RouterPath($0.path), $0.method) })

    package init(declared: AllowedMethods, limiter: RateLimiter) {
        self.declared = declared
        self.limiter = limiter
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if let retryAfter = limiter.take(for: address) {
            throw Problem(.tooManyRequests, code: "rate.limited", title: "Too many requests",
                          detail: "this address is over the public listener's rate limit", retryAfter: retryAfter)
        }
        let path = request.uri.path
        let open = Self.open.methods(for: path)
        guard open?.contains(request.method) == true else {
            let methods = declared.methods(for: path)
            if let open, methods?.contains(request.method) != true { throw Problem.methodNotAllowed(request.method, allow: open) }
            guard methods != nil else { throw Problem.notFound("no such public resource") }
            throw Problem(.forbidden, code: "certificate.required", title: "This operation needs a client certificate",
                          detail: "the public listener serves keys, checkpoints, proofs, the archive's status and the page; "
                              + "everything else is on the mutual-TLS listener")
        }
        var response = try await PublicListener.$isCurrent.withValue(true) { try await next(request, context) }
        for (name, value) in Self.securityHeaders { response.headers[name] = value }
        return response
    }

    /// The page runs only its own scripts and styles and talks only to this listener: whatever a
    /// dropped receipt holds, nothing can load from or leak to elsewhere.
    static let securityHeaders: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        (.xContentTypeOptions, "nosniff"),
        (.referrerPolicy, "no-referrer"),
    ]
}

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// What the public listener serves, and the flag its requests carry.
package enum PublicListener {
    /// Set while a request of the public listener is handled: no caller, no audit entry.
    @TaskLocal package static var isCurrent = false

    /// The operations marked `x-public: true` in the contract (a test holds the two equal).
    package static let routes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/"),
        (.get, "/page/{file}"),
        (.get, "/v1/keys"),
        (.get, "/v1/audit/checkpoint"),
        (.get, "/v1/audit/checkpoint/cosigned"),
        (.get, "/v1/audit/witnesses"),
        (.get, "/v1/audit/checkpoints"),
        (.get, "/v1/audit/growth"),
        (.get, "/v1/audit/proofs/inclusion"),
        (.get, "/v1/audit/proofs/consistency"),
        (.get, "/v1/archive/status"),
        (.get, "/v1/archive/imports"),
    ]
}
