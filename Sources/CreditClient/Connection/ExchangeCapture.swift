import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization

/// Keeps the exact bytes of the response an operation of the generated client received, so it can
/// be verified and saved as a ``Receipt``: the generated client hands back decoded values only.
///
/// The capture is set for one call through a task local; the middleware fills it.
///
/// ```swift
/// let capture = ExchangeCapture()
/// let output = try await ExchangeCapture.$current.withValue(capture) { try await client.getKeys() }
/// let receipt = capture.receipt   // request line, status, headers, body bytes
/// ```
package final class ExchangeCapture: Sendable {
    @TaskLocal package static var current: ExchangeCapture?

    /// When set, the body is left to the caller to stream (a batch job's results can be gigabytes);
    /// the receipt then has the head only.
    package let streamsBody: Bool
    private let stored = Mutex<Receipt?>(nil)

    package init(streamsBody: Bool = false) { self.streamsBody = streamsBody }

    package var receipt: Receipt? { stored.withLock { $0 } }

    fileprivate func keep(_ receipt: Receipt) { stored.withLock { $0 = receipt } }
}

/// The client middleware that fills the current ``ExchangeCapture``.
struct CaptureMiddleware: ClientMiddleware {
    /// Answers larger than this are not held in memory (a batch job's results are streamed instead).
    static let bodyLimit = 256 << 20

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard let capture = ExchangeCapture.current else { return (response, responseBody) }
        let base = baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString
        var receipt = Receipt(
            method: request.method.rawValue, url: base + (request.path ?? "/"), status: response.status.code,
            headers: response.headerFields.map { (name: $0.name.canonicalName, value: $0.value) }, body: [])
        if capture.streamsBody, (200..<300).contains(response.status.code) {
            capture.keep(receipt)
            return (response, responseBody)
        }
        if let responseBody { receipt.body = try await [UInt8](collecting: responseBody, upTo: Self.bodyLimit) }
        capture.keep(receipt)
        return (response, HTTPBody(receipt.body))
    }
}
