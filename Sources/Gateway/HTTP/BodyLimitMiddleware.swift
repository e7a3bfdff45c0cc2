import Hummingbird
import NIOCore

/// Refuses request bodies over the configured size with 413: at once when `Content-Length` says
/// so, or as soon as a chunked body passes the limit. Paths named in `exceptions` (feed uploads,
/// which are streamed to disk) have limits of their own.
package struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let defaultLimit: Int
    let exceptions: [String: Int]

    package init(limit: Int, exceptions: [String: Int] = [:]) {
        defaultLimit = limit
        self.exceptions = exceptions
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = exceptions[request.uri.path] ?? defaultLimit
        if let length = request.headers[.contentLength].flatMap({ Int($0) }) {
            guard length <= limit else { throw Problem.tooLarge }
            return try await next(request, context)
        }
        var request = request
        let body = request.body
        request.body = RequestBody(asyncSequence: LimitedBody(base: body, limit: limit))
        return try await next(request, context)
    }
}

/// A body that throws ``Problem/tooLarge`` once more than `limit` bytes have come.
private struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += buffer.readableBytes
            guard seen <= limit else { throw Problem.tooLarge }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}
