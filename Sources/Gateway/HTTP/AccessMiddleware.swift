import Attestation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// Admits registered, unrevoked client certificates within their rate limit, and refuses (and
/// audits) all others.
///
/// The TLS handshake has already checked the certificate against the CA bundle; here it is looked
/// up in the client registry and the revocation list, both reloaded when their files change. The
/// certificate is read and parsed once per connection, not per request.
package struct AccessMiddleware: RouterMiddleware {
    package typealias Context = GatewayRequestContext
    let registry: ReloadingFile<ClientRegistry>
    let revocations: ReloadingFile<RevocationList>?
    let audit: Auditor
    let limiter: RateLimiter
    let peers: PeerCache

    package init(
        registry: ReloadingFile<ClientRegistry>, revocations: ReloadingFile<RevocationList>?, audit: Auditor, limiter: RateLimiter,
        peers: PeerCache
    ) {
        self.registry = registry
        self.revocations = revocations
        self.audit = audit
        self.limiter = limiter
        self.peers = peers
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let operation = "\(request.method) \(request.uri.path)"
        guard let peer = try await peers.identity(of: context.channel) else {
            throw await audit.refused(Problem(.forbidden, code: "certificate.missing", title: "A client certificate is required"),
                                      operation: operation, caller: nil, fingerprint: nil)
        }
        if let revocations, revocations.value.isRevoked(serialNumber: peer.serialNumber) {
            throw await audit.refused(Problem(.forbidden, code: "certificate.revoked", title: "The client certificate is revoked"),
                                      operation: operation, caller: nil, fingerprint: peer.fingerprint)
        }
        guard let client = registry.value.client(for: peer) else {
            throw await audit.refused(
                Problem(.forbidden, code: "certificate.unregistered", title: "The client certificate is not registered",
                        detail: "ask the operator to register fingerprint \(peer.fingerprint)"),
                operation: operation, caller: nil, fingerprint: peer.fingerprint)
        }
        let caller = Caller(client: client, peer: peer)
        if let retryAfter = limiter.take(for: client.id) {
            throw await audit.refused(
                Problem(.tooManyRequests, code: "rate.limited", title: "Too many requests",
                        detail: "client \(client.id) is over its rate limit", retryAfter: retryAfter),
                operation: operation, caller: caller, fingerprint: nil)
        }
        return try await Caller.$current.withValue(caller) {
            try await next(request, context)
        }
    }
}

/// Parsed peer certificates by connection, dropped when the connection closes. ``ConnectionGuard``
/// fills it as each handshake completes; a connection it has not seen is read here.
package final class PeerCache: Sendable {
    private let identities = NIOLockedValueBox<[ObjectIdentifier: PeerIdentity]>([:])

    package init() {}

    func identity(of channel: any Channel) async throws -> PeerIdentity? {
        if let known = identities.withLockedValue({ $0[ObjectIdentifier(channel)] }) { return known }
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else { return nil }
        let identity = try PeerIdentity(der: certificate.toDERBytes())
        remember(identity, for: channel)
        return identity
    }

    func remember(_ identity: PeerIdentity, for channel: any Channel) {
        let key = ObjectIdentifier(channel)
        guard identities.withLockedValue({ $0.updateValue(identity, forKey: key) }) == nil else { return }
        channel.closeFuture.whenComplete { [identities] _ in
            _ = identities.withLockedValue { $0.removeValue(forKey: key) }
        }
    }
}
