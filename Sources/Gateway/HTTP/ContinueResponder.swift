import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request head is read
/// (RFC 9110 §10.1.1: a server that wishes to receive the content should say so at once), in the
/// pipeline after HTTP decoding. Hummingbird does not answer the expectation, and a client that
/// asks waits before sending its body anyway: curl asks for every body over 1 MiB and waits a
/// second, which was a second of every batch-job upload.
///
/// It answers every request that asks, before its client or route is checked. A request refused
/// afterwards gets its final status as usual, and the body its client then sends is read and
/// dropped like any body left unread. An expectation other than `100-continue` is ignored (the
/// RFC allows `417` there, but ignoring it is what most servers do and no client depends on it).
/// HTTP/1.0 clients, which must not be sent a 1xx, cannot be told apart here; none sends the
/// expectation, which HTTP/1.0 does not define.
final class ContinueResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data), Self.expectsContinue(request) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }

    /// Whether the request asks for `100 Continue`: an `Expect` field whose value is
    /// `100-continue`, compared without regard to case (the parser has trimmed the value).
    static func expectsContinue(_ request: HTTPRequest) -> Bool {
        request.headerFields[values: .expect].contains { $0.lowercased() == "100-continue" }
    }
}
