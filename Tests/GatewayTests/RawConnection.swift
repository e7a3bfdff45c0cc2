import Foundation
import Gateway
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Testing

/// A mutual-TLS connection to a test gateway that writes whatever bytes a test gives it, for
/// clients no HTTP library would be: ones that stall, trickle or hold connections open.
final class RawConnection: Sendable {
    let channel: any Channel
    /// Completed when the client's side of the handshake has finished.
    let handshake: EventLoopFuture<Void>
    /// Completed when the first bytes of an answer arrive (failed if the connection closes first).
    let firstBytes: EventLoopFuture<Void>
    private let received: NIOLockedValueBox<[UInt8]>

    init(to gateway: TestGateway, as role: String) async throws {
        let client = try #require(gateway.pki.clients[role])
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(client.certificate.path).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: client.key.path, format: .pem))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(gateway.pki.ca.certificate.path))
        let context = try NIOSSLContext(configuration: tls)
        let received = NIOLockedValueBox<[UInt8]>([])
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handshake = loop.makePromise(of: Void.self)
        let firstBytes = loop.makePromise(of: Void.self)
        channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received, handshake: handshake, firstBytes: firstBytes))
                }
            }
            .connect(host: "127.0.0.1", port: gateway.port).get()
        self.handshake = handshake.futureResult
        self.firstBytes = firstBytes.futureResult
        self.received = received
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// Waits for the server's first bytes; throws if it closes the connection instead.
    func answered() async throws { try await firstBytes.get() }

    /// What the server has sent so far, as text.
    var text: String { String(decoding: received.withLockedValue { $0 }, as: UTF8.self) }

    /// Whether the server closes the connection within `limit`.
    func closes(within limit: Duration) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try? await self.channel.closeFuture.get(); return true }
            group.addTask { try await Task.sleep(for: limit); return false }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    func close() async { try? await channel.close() }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<[UInt8]>
        let handshake: EventLoopPromise<Void>
        let firstBytes: EventLoopPromise<Void>
        /// Which of the two promises have been kept, so closing fails only the others.
        private let kept = NIOLockedValueBox((handshake: false, firstBytes: false))

        init(received: NIOLockedValueBox<[UInt8]>, handshake: EventLoopPromise<Void>, firstBytes: EventLoopPromise<Void>) {
            self.received = received
            self.handshake = handshake
            self.firstBytes = firstBytes
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
            if !kept.withLockedValue({ $0.firstBytes }) {
                kept.withLockedValue { $0.firstBytes = true }
                firstBytes.succeed()
            }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event {
                kept.withLockedValue { $0.handshake = true }
                handshake.succeed()
            }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            let kept = kept.withLockedValue { $0 }
            if !kept.handshake { handshake.fail(ChannelError.ioOnClosedChannel) }
            if !kept.firstBytes { firstBytes.fail(ChannelError.ioOnClosedChannel) }
            context.fireChannelInactive()
        }
    }
}
