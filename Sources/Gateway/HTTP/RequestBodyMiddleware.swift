import Attestation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Bounds every request body and digests it as it streams past.
///
/// Bodies over the configured size get 413: at once when `Content-Length` says so, or as soon as a
/// chunked body passes the limit. Paths named in `exceptions` (feed uploads, which are streamed to
/// disk) have limits of their own for bodies other than JSON. The digest is what the audit entry's
/// `requestDigest` holds (keyed with the audit key: see ``CandidateHasher/bodyDigest()``); it is
/// taken here, on the bytes as received, so a handler that decodes the body (or streams it to a
/// file) need not keep them.
package struct RequestBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    let defaultLimit: Int
    let exceptions: [String: Int]
    let hasher: CandidateHasher

    package init(limit: Int, exceptions: [String: Int] = [:], hasher: CandidateHasher) {
        defaultLimit = limit
        self.exceptions = exceptions
        self.hasher = hasher
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A JSON body is decoded in memory: it keeps the default limit on every path (`POST
        // /v1/watches` takes JSON, or an NDJSON upload streamed to disk).
        let json = request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false
        let limit = json ? defaultLimit : exceptions[request.uri.path] ?? defaultLimit
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw Problem.tooLarge }
        let digest = RequestDigest(hasher.bodyDigest())
        var request = request
        request.body = RequestBody(asyncSequence: MeteredBody(base: request.body, limit: limit, digest: digest))
        return try await RequestDigest.$current.withValue(digest) { try await next(request, context) }
    }
}

/// The keyed digest of the current request's body, known once the body has been read to its end.
package final class RequestDigest: Sendable {
    private let state: NIOLockedValueBox<(running: CandidateHasher.BodyDigest, header: String?)>

    init(_ running: CandidateHasher.BodyDigest) {
        state = NIOLockedValueBox((running, nil))
    }

    @TaskLocal package static var current: RequestDigest?

    /// Nil until the whole body has been read (a request refused before its body was read has none).
    package var header: String? { state.withLockedValue { $0.header } }

    fileprivate func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in state.withLockedValue { $0.running.update(bytes) } }
    }

    fileprivate func finish() {
        state.withLockedValue { $0.header = $0.header ?? $0.running.value }
    }
}

/// A body that feeds ``RequestDigest`` and throws ``Problem/tooLarge`` once more than `limit` bytes have come.
private struct MeteredBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int
    let digest: RequestDigest

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        let digest: RequestDigest
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else {
                digest.finish()
                return nil
            }
            seen += buffer.readableBytes
            guard seen <= limit else { throw Problem.tooLarge }
            digest.update(buffer)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit, digest: digest) }
}
