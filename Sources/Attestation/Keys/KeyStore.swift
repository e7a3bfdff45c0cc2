import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The service's signing keys on disk: one file per key, private, never deleted.
///
/// A key is created on first use; ``rotate()`` makes a new active key and retires the old one, whose
/// public half stays in ``publicKeys`` forever so answers signed years ago still verify. Files are
/// created with mode 0600 and replaced atomically.
///
/// ```swift
/// let store = try KeyStore(directory: URL(fileURLWithPath: "state/keys"))
/// let signer = MessageSigner(key: try store.activeKey(), tag: "creditgate")
/// let jwks = try store.publicKeys()   // served at GET /v1/keys
/// ```
public struct KeyStore: Sendable {
    public let directory: URL

    /// One key file.
    struct Record: Codable {
        var jwk: JWK
        var createdAt: Date
        var retiredAt: Date?
    }

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The active key, creating the first one if there is none.
    public func activeKey() throws -> Ed25519SigningKey {
        if let active = try records().last(where: { $0.retiredAt == nil }) {
            return try Self.signingKey(active.jwk)
        }
        return try create()
    }

    /// Whether a key exists yet (a first start creates one: an auditable event).
    public func hasKeys() throws -> Bool { try !records().isEmpty }

    /// Makes a new active key and retires the others. Returns the new key.
    @discardableResult
    public func rotate(at now: Date = Date()) throws -> Ed25519SigningKey {
        for var record in try records() where record.retiredAt == nil {
            record.retiredAt = now
            try write(record)
        }
        return try create(at: now)
    }

    /// Every key ever used, active first, without private parts.
    public func publicKeys() throws -> JWKSet {
        let all = try records()
        let active = all.filter { $0.retiredAt == nil }
        let retired = all.filter { $0.retiredAt != nil }.reversed()
        return JWKSet(keys: (active + retired).map(\.jwk))
    }

    private func create(at now: Date = Date()) throws -> Ed25519SigningKey {
        let key = Ed25519SigningKey()
        try write(Record(jwk: key.privateJWK, createdAt: now, retiredAt: nil))
        return key
    }

    func records() throws -> [Record] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .map { try decoder.decode(Record.self, from: Data(contentsOf: $0)) }
            .sorted { ($0.createdAt, $0.jwk.thumbprint) < ($1.createdAt, $1.jwk.thumbprint) }
    }

    private func write(_ record: Record) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(record)
        try PrivateFile.write(data, to: directory.appendingPathComponent("\(record.jwk.thumbprint).json"))
    }

    static func signingKey(_ jwk: JWK) throws -> Ed25519SigningKey {
        guard let d = jwk.d, let seed = Base64.decodeURL(d) else {
            throw AttestationError(.keyMalformed, "key file \(jwk.thumbprint) has no private key")
        }
        return try Ed25519SigningKey(seed: seed)
    }
}
