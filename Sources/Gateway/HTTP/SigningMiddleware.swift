import Attestation
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Signs every response: answers, problems, health, metrics, the contract.
///
/// The body is collected, `Content-Digest` (RFC 9530, sha-256 of the bytes as sent) is added, and
/// an RFC 9421 signature over `@status`, `content-type`, `content-digest` and the request's
/// `@method` and `@path`, with `created`, `keyid` and `tag`: `sig` (Ed25519), and `sig2` (SM2)
/// beside it when the `signing.sm2` switch is on. The outermost middleware, so errors
/// thrown anywhere inside are already problems by the time they get here. `Date` and `Server` are
/// added after middleware and cannot be covered.
package struct SigningMiddleware<Context: RequestContext>: RouterMiddleware {
    let signer: @Sendable () -> MessageSigners
    /// A store's failure can surface here, after the handler (``ResponseBarrier``): out of reach, it
    /// is a `503` as anywhere else.
    let stores: StoreUnavailability

    /// `signer` is asked per response, so a key rotation takes effect without a restart.
    package init(stores: StoreUnavailability = .never, signer: @escaping @Sendable () -> MessageSigners) {
        self.stores = stores
        self.signer = signer
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            let barrier = ResponseBarrier()
            response = try await ResponseBarrier.$current.withValue(barrier) { try await next(request, context) }
            try await barrier.wait()
        } catch {
            response = ProblemMiddleware<Context>.response(for: ProblemMiddleware<Context>.problem(for: error, logger: context.logger, stores: stores))
        }
        // A body streamed from a file (batch results) comes with the digest taken when it was
        // written; any other body is collected and digested here.
        let digest: String
        if let given = response.headers[.contentDigest] {
            // The OpenAPI runtime percent-encodes header values (RFC 6570 simple style).
            digest = given.removingPercentEncoding ?? given
            response.headers[.contentDigest] = digest
        } else {
            let collector = BodyCollector()
            try await response.body.write(collector)
            digest = ContentDigest.header(for: collector.buffer.readableBytesView)
            response.headers[.contentDigest] = digest
            response.body = ResponseBody(byteBuffer: collector.buffer)
        }
        if response.headers[.contentType] == nil { response.headers[.contentType] = "application/octet-stream" }
        let message = MessageComponents(
            response: .init(status: response.status.code, headers: [
                ("content-type", response.headers[.contentType] ?? ""), ("content-digest", digest),
            ]),
            request: .init(method: request.method.rawValue, target: request.uri.description, authority: request.head.authority ?? ""))
        let (input, signature) = try signer().sign(message, covering: MessageSigner.responseComponents, created: Int64(Date().timeIntervalSince1970))
        response.headers[.signatureInput] = input
        response.headers[.signature] = signature
        return response
    }
}

/// Gathers a response body written by Hummingbird's writer protocol.
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var copy = buffer
        self.buffer.writeBuffer(&copy)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

extension HTTPField.Name {
    static let contentDigest = Self("Content-Digest")!
    static let signatureInput = Self("Signature-Input")!
    static let signature = Self("Signature")!
}
