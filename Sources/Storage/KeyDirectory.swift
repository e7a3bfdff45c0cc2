import Attestation

/// The response-signing keys every gateway sharing a store has published: the one JWKS that each
/// of them serves, so an answer signed by any gateway verifies with the set fetched from any other.
///
/// Only public halves are kept; each gateway's private keys stay in its own state folder.
///
/// ```swift
/// try await directory.publish(try keyStore.publicKeys().keys)
/// let everyKey = try await directory.publishedKeys()
/// ```
public protocol KeyDirectory: Sendable {
    /// Publishes the public halves of `keys`; a key published before is left as it was.
    func publish(_ keys: [JWK]) async throws

    /// Every key published, in the order each was first published.
    func publishedKeys() async throws -> [JWK]
}
