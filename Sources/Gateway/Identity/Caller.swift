/// The registered client making the current request, and the certificate it presented.
///
/// ``AccessMiddleware`` sets it for the request's task; the OpenAPI handlers, which do not see the
/// Hummingbird context, read it from ``current``.
package struct Caller: Sendable {
    package var client: ClientRegistry.Client
    package var peer: PeerIdentity

    @TaskLocal package static var current: Caller?
}
