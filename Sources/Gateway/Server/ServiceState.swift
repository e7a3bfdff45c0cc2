import Attestation
import Crypto
import Foundation
import Logging
import SQLiteStorage

/// The service's state folder: signing keys (`keys/`), the audit log (`audit.sqlite`), the audit
/// HMAC key (`audit-hmac.key`) and the stored checks (`checks.sqlite`).
///
/// Opening it makes the first signing key and the HMAC key if there are none, and audits that;
/// every key change is an audit entry signed under the key that is active afterwards.
package struct ServiceState: Sendable {
    package let directory: URL
    package let origin: String
    package let keys: KeyStore
    /// The active key's signers; remade within a second of a rotation (`creditgate keys rotate`
    /// runs beside the server), so responses and checkpoints move to the new key without a restart.
    package let signers: ReloadingFile<Signers>
    package let audit: AuditLog
    /// Names candidates in the audit log: HMAC-SHA256 under a key only this service holds.
    package let candidateHasher: CandidateHasher

    package static let defaultOrigin = "creditgate.local/audit"

    package static func open(_ path: String, origin: String = defaultOrigin) async throws -> ServiceState {
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        let keys = try KeyStore(directory: directory.appendingPathComponent("keys"))
        let firstStart = try !keys.hasKeys()
        // Rotation adds a file to the keys folder: its modification time changes. The first load
        // makes the first key when there is none.
        let signers = try ReloadingFile(keys.directory, logger: Logger(label: "creditgate.keys")) { _ in
            let active = try keys.activeKey()
            return Signers(responses: MessageSigner(key: active, tag: Signers.tag), checkpoints: NoteSigner(name: origin, key: active))
        }
        let audit = AuditLog(store: try SQLiteAuditLogStore(path: directory.appendingPathComponent("audit.sqlite").path), origin: origin,
                             currentSigner: { signers.value.checkpoints })
        let hmacURL = directory.appendingPathComponent("audit-hmac.key")
        if !FileManager.default.fileExists(atPath: hmacURL.path) {
            try PrivateFile.write(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }, to: hmacURL)
        }
        let hasher = CandidateHasher(key: Array(try Data(contentsOf: hmacURL)))
        let state = ServiceState(directory: directory, origin: origin, keys: keys, signers: signers, audit: audit, candidateHasher: hasher)
        if firstStart {
            _ = try await audit.append(AuditEntry(operation: "keys.create", outcome: "ok", detail: "signing key \(signers.value.responses.keyID)"))
        }
        return state
    }

    /// What signs with the active key.
    package struct Signers: Sendable {
        /// The `tag` of every response signature: names the service the signature is for.
        package static let tag = "creditgate"
        package let responses: MessageSigner
        package let checkpoints: NoteSigner
    }

    /// Note verifiers for every key ever published: old checkpoints were signed by retired keys.
    package func noteVerifiers() throws -> [NoteVerifier] {
        try keys.publicKeys().keys.compactMap { jwk in
            (try? jwk.verificationKey()) as? Ed25519VerificationKey
        }.map { NoteVerifier(name: origin, publicKey: $0) }
    }
}
