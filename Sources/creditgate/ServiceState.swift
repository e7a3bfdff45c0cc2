import Attestation
import Foundation

/// The service's state folder: signing keys (`keys/`), the audit log (`audit.sqlite`).
///
/// Opening it makes the first signing key if there is none, and audits that; every key change is
/// an audit entry signed under the key that is active afterwards.
struct ServiceState {
    let directory: URL
    let origin: String
    let keys: KeyStore
    let audit: AuditLog

    static let defaultOrigin = "creditgate.local/audit"

    static func open(_ path: String, origin: String = defaultOrigin) async throws -> ServiceState {
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        let keys = try KeyStore(directory: directory.appendingPathComponent("keys"))
        let firstStart = try !keys.hasKeys()
        let key = try keys.activeKey()
        let audit = try AuditLog(path: directory.appendingPathComponent("audit.sqlite").path, origin: origin,
                                 signer: NoteSigner(name: origin, key: key))
        let state = ServiceState(directory: directory, origin: origin, keys: keys, audit: audit)
        if firstStart {
            _ = try await audit.append(AuditEntry(operation: "keys.create", outcome: "ok", detail: "signing key \(key.keyID)"))
        }
        return state
    }

    /// Note verifiers for every key ever published: old checkpoints were signed by retired keys.
    func noteVerifiers() throws -> [NoteVerifier] {
        try keys.publicKeys().keys.compactMap { jwk in
            (try? jwk.verificationKey()) as? Ed25519VerificationKey
        }.map { NoteVerifier(name: origin, publicKey: $0) }
    }
}
