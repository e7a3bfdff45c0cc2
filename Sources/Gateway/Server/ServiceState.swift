import Attestation
import Crypto
import Foundation
import Logging
import SQLiteStorage
import Storage

/// The service's state folder: signing keys (`keys/`), the audit log (`audit.sqlite`), the audit
/// HMAC key (`audit-hmac.key`) and the stored checks (`checks.sqlite`).
///
/// Opening it makes the first signing key and the HMAC key if there are none, and audits that;
/// every key change is an audit entry signed under the key that is active afterwards. With `sm2`
/// (the `signing.sm2` switch) an SM2 key signs beside the Ed25519 one: every response carries a
/// second signature (`sig2`) and every checkpoint a second signature line.
package struct ServiceState: Sendable {
    package let folder: URL
    package let origin: String
    package let keys: KeyStore
    /// The active key's signers; remade within a second of a rotation (`creditgate keys rotate`
    /// runs beside the server), so responses and checkpoints move to the new key without a restart.
    package let signers: ReloadingFile<Signers>
    package let audit: AuditLog
    /// The keys of every gateway sharing the store (``publishedKeys()``).
    package let directory: any KeyDirectory
    /// Names candidates in the audit log: HMAC-SHA256 under a key only this service holds.
    package let candidateHasher: CandidateHasher

    package static let defaultOrigin = "creditgate.local/audit"

    /// `audit` is where the log is kept and `directory` where keys are published: by default
    /// `audit.sqlite` and `published-keys.sqlite` in the folder. An audit write waits up to
    /// `gatherLimit` for the appends announced before it (``AuditLog/announce()``).
    package static func open(
        _ path: String, origin: String = defaultOrigin, audit store: (any AuditLogStore)? = nil, directory: (any KeyDirectory)? = nil,
        sm2: Bool = false, gatherLimit: Duration = .zero
    ) async throws -> ServiceState {
        let folder = URL(fileURLWithPath: path, isDirectory: true)
        let keys = try KeyStore(directory: folder.appendingPathComponent("keys"))
        let firstStart = try !keys.hasKeys()
        let sm2Starts = try sm2 && !keys.hasSM2Key()
        // Rotation adds a file to the keys folder: its modification time changes. The first load
        // makes the first keys when there are none.
        let signers = try ReloadingFile(keys.directory, logger: Logger(label: "creditgate.keys")) { _ in
            let active = try keys.activeKeys(sm2: sm2).all
            return Signers(
                responses: MessageSigners(active.map { MessageSigner(key: $0, tag: Signers.tag) }),
                checkpoints: NoteSigner(name: origin, keys: active))
        }
        let audit = AuditLog(store: try store ?? SQLiteAuditLogStore(path: folder.appendingPathComponent("audit.sqlite").path), origin: origin,
                             gatherLimit: gatherLimit, currentSigner: { signers.value.checkpoints })
        let hmacURL = folder.appendingPathComponent("audit-hmac.key")
        if !FileManager.default.fileExists(atPath: hmacURL.path) {
            try PrivateFile.write(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }, to: hmacURL)
        }
        let hasher = CandidateHasher(key: Array(try Data(contentsOf: hmacURL)))
        let published = try directory ?? SQLiteKeyDirectory(path: folder.appendingPathComponent("published-keys.sqlite").path)
        let state = ServiceState(
            folder: folder, origin: origin, keys: keys, signers: signers, audit: audit, directory: published, candidateHasher: hasher)
        _ = try await state.publishedKeys()
        if firstStart {
            _ = try await audit.append(AuditEntry(operation: "keys.create", outcome: "ok", detail: "signing key \(signers.value.responses.keyID)"))
        }
        if sm2Starts, let key = signers.value.responses.signers.last {
            _ = try await audit.append(AuditEntry(operation: "keys.create", outcome: "ok", detail: "SM2 signing key \(key.keyID)"))
        }
        return state
    }

    /// What signs with the active key.
    package struct Signers: Sendable {
        /// The `tag` of every response signature: names the service the signature is for.
        package static let tag = "creditgate"
        package let responses: MessageSigners
        package let checkpoints: NoteSigner
    }

    /// The one key set of every gateway sharing the store: this gateway's active key first, then
    /// every other key published, newest first (retired keys stay: old answers still verify).
    /// A key of this gateway's that is not yet published (made by a rotation) is published now.
    package func publishedKeys() async throws -> JWKSet {
        let local = try keys.publicKeys().keys
        var published = try await directory.publishedKeys()
        let known = Set(published.map(\.thumbprint))
        let unpublished = local.filter { !known.contains($0.thumbprint) }
        if !unpublished.isEmpty {
            try await directory.publish(unpublished)
            published += unpublished
        }
        let active = local.first.map { [$0] } ?? []
        return JWKSet(keys: active + published.reversed().filter { $0.thumbprint != active.first?.thumbprint })
    }

    /// Note verifiers for every key ever published (Ed25519 and SM2): old checkpoints were signed
    /// by retired keys, and other gateways' by their own.
    package func noteVerifiers() async throws -> [NoteVerifier] {
        try await publishedKeys().noteVerifiers(name: origin)
    }
}
