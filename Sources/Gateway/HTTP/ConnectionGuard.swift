import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes
import NIOSSL
import NIOTLS

/// What one client may hold of the server: connections per client certificate, and how slowly a
/// request may arrive.
///
/// The idle timeout alone does not bound a request: it restarts at every body part, so a client that
/// announces a large body and sends a byte a second holds its connection (and a handler) for ever.
/// Here a request must arrive whole within ``requestTime`` plus one second for every
/// ``minimumRate`` bytes it has sent: small requests get the plain deadline, a 16 GiB feed upload as
/// long as it keeps moving at that rate. (A request head that trickles is bounded by the idle
/// timeout, which only request parts restart.)
package struct ConnectionPolicy: Sendable {
    package var connectionsPerClient: Int
    package var requestTime: TimeAmount
    package var minimumRate: Int

    /// The allowance a request that started at `start` and has sent `bytes` of its body has.
    func deadline(start: NIODeadline, bytes: Int) -> NIODeadline {
        start + requestTime + .nanoseconds(Int64(min(Double(bytes) / Double(max(minimumRate, 1)) * 1e9, 1e18)))
    }
}

/// Connections open per client certificate (by fingerprint), shared by every connection's guard.
package final class ConnectionCounts: Sendable {
    private let open = NIOLockedValueBox<[String: Int]>([:])

    package init() {}

    /// Counts a new connection, unless the client already holds `limit`.
    func admit(_ fingerprint: String, limit: Int) -> Bool {
        open.withLockedValue { counts in
            let count = counts[fingerprint, default: 0]
            guard count < limit else { return false }
            counts[fingerprint] = count + 1
            return true
        }
    }

    func release(_ fingerprint: String) {
        open.withLockedValue { counts in
            let count = counts[fingerprint, default: 1] - 1
            counts[fingerprint] = count > 0 ? count : nil
        }
    }

    package func count(for fingerprint: String) -> Int { open.withLockedValue { $0[fingerprint, default: 0] } }
}

/// One connection's guard, in the pipeline after HTTP decoding: when the TLS handshake completes it
/// reads the client certificate once (for ``PeerCache`` too) and closes the connection if that
/// client already holds its limit; it closes a connection whose request arrives too slowly. Both
/// are logged and counted (`creditgate_connections_refused_total`, `creditgate_requests_cut_total`).
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let policy: ConnectionPolicy
    private let counts: ConnectionCounts
    private let peers: PeerCache
    private let metrics: GatewayMetrics
    private let logger: Logger
    /// The client this connection is counted against, once the handshake has admitted it.
    private var counted: String?
    /// The request being read: when its head came and how much of its body has come since.
    private var reading: (start: NIODeadline, bytes: Int)?
    private var check: Scheduled<Void>?

    init(policy: ConnectionPolicy, counts: ConnectionCounts, peers: PeerCache, metrics: GatewayMetrics, logger: Logger) {
        self.policy = policy
        self.counts = counts
        self.peers = peers
        self.metrics = metrics
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { admit(context) }
        context.fireUserInboundEventTriggered(event)
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
              let identity = try? PeerIdentity(der: certificate.toDERBytes()) else { return }
        peers.remember(identity, for: context.channel)
        guard counts.admit(identity.fingerprint, limit: policy.connectionsPerClient) else {
            metrics.refusedConnection(reason: "client-limit")
            logger.warning("connection refused: the client holds its limit of connections", metadata: [
                "fingerprint": "\(identity.fingerprint)", "limit": "\(policy.connectionsPerClient)",
            ])
            context.close(promise: nil)
            return
        }
        counted = identity.fingerprint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            let start = NIODeadline.now()
            reading = (start, 0)
            schedule(context, at: policy.deadline(start: start, bytes: 0))
        case .body(let buffer):
            reading?.bytes += buffer.readableBytes
        case .end:
            reading = nil
            check?.cancel()
            check = nil
        }
        context.fireChannelRead(data)
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        check?.cancel()
        let loop = context.eventLoop.assumeIsolated()
        check = loop.scheduleTask(deadline: deadline) { [self] in
            guard let reading else { return }
            let allowed = policy.deadline(start: reading.start, bytes: reading.bytes)
            guard NIODeadline.now() >= allowed else { return schedule(context, at: allowed) }
            metrics.cutRequest(reason: "too-slow")
            logger.warning("request cut: it did not arrive within its deadline", metadata: [
                "fingerprint": "\(counted ?? "-")", "bodyBytes": "\(reading.bytes)",
                "seconds": "\((NIODeadline.now() - reading.start).nanoseconds / 1_000_000_000)",
            ])
            self.reading = nil
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }

    private func release() {
        check?.cancel()
        check = nil
        if let counted { counts.release(counted) }
        counted = nil
    }
}
