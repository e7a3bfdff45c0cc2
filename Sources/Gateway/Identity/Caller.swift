/// The registered client making the current request, and the certificate it presented.
///
/// ``AccessMiddleware`` sets it for the request's task; the OpenAPI handlers, which do not see the
/// Hummingbird context, read it from ``current``.
package struct Caller: Sendable {
    package var client: ClientRegistry.Client
    package var peer: PeerIdentity

    @TaskLocal package static var current: Caller?

    /// The client that asked for work done later, away from its request (a batch job's chunks, a
    /// watch's re-checks), as its stored client id and certificate fingerprint name it: whom the
    /// answers and their audit entries are for.
    static func recorded(clientID: String, fingerprint: String) -> Caller {
        Caller(client: .init(id: clientID, roles: [.bureau]), peer: .init(fingerprint: fingerprint, subject: ""))
    }
}
