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

    /// The active Ed25519 key, creating the first one if there is none.
    public func activeKey() throws -> Ed25519SigningKey { try activeKeys(sm2: false).ed25519 }

    /// The active keys: the Ed25519 key (made on first use) and, when `sm2` is asked for, the SM2
    /// key (made beside it if there is none yet: the switch was turned on).
    public func activeKeys(sm2: Bool) throws -> SigningKeys {
        let all = try records()
        return SigningKeys(
            ed25519: try active(in: all, crv: "Ed25519") { Ed25519SigningKey() },
            sm2: sm2 ? try active(in: all, crv: "SM2") { try SM2SigningKey() } : nil)
    }

    /// Whether a key exists yet (a first start creates one: an auditable event).
    public func hasKeys() throws -> Bool { try !records().isEmpty }

    /// Whether an SM2 key is active (turning the switch on makes one: an auditable event).
    public func hasSM2Key() throws -> Bool { try records().active(crv: "SM2") != nil }

    /// Makes new active keys and retires the others: a new Ed25519 key, and a new SM2 key when one
    /// was active, so the two always rotate together. Returns the new keys.
    @discardableResult
    public func rotate(at now: Date = Date()) throws -> SigningKeys {
        let all = try records()
        let hadSM2 = all.active(crv: "SM2") != nil
        for var record in all where record.retiredAt == nil {
            record.retiredAt = now
            try write(record)
        }
        return SigningKeys(ed25519: try create(Ed25519SigningKey(), at: now), sm2: hadSM2 ? try create(SM2SigningKey(), at: now) : nil)
    }

    /// Every key ever used, without private parts: the active Ed25519 key first, then the other
    /// active keys, then the retired ones, newest first.
    public func publicKeys() throws -> JWKSet {
        let all = try records()
        let active = all.filter { $0.retiredAt == nil }
        let activeFirst = active.filter { $0.jwk.crv == "Ed25519" } + active.filter { $0.jwk.crv != "Ed25519" }
        let retired = all.filter { $0.retiredAt != nil }.reversed()
        return JWKSet(keys: (activeFirst + retired).map(\.jwk))
    }

    /// The active key on curve `crv`, or one made now if there is none.
    private func active<Key: SigningKey & PrivateJWK>(in all: [Record], crv: String, orMake make: () throws -> Key) throws -> Key {
        guard let record = all.active(crv: crv) else { return try create(try make()) }
        guard let key = try record.jwk.signingKey() as? Key else {
            throw AttestationError(.keyMalformed, "key file \(record.jwk.thumbprint) does not hold a \(crv) key")
        }
        return key
    }

    private func create<Key: SigningKey & PrivateJWK>(_ key: Key, at now: Date = Date()) throws -> Key {
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
}

/// The keys that sign at one time: always Ed25519, SM2 beside it when the switch is on.
public struct SigningKeys: Sendable {
    public var ed25519: Ed25519SigningKey
    public var sm2: SM2SigningKey?

    public init(ed25519: Ed25519SigningKey, sm2: SM2SigningKey? = nil) {
        self.ed25519 = ed25519
        self.sm2 = sm2
    }

    /// Ed25519 first: the signature every verifier knows.
    public var all: [any SigningKey] { [ed25519] + (sm2.map { [$0] } ?? []) }
}

/// A private key that can be written to a key file.
public protocol PrivateJWK {
    var privateJWK: JWK { get }
}

extension Ed25519SigningKey: PrivateJWK {}
extension SM2SigningKey: PrivateJWK {}

extension [KeyStore.Record] {
    /// The active key on curve `crv` (the newest, should a crash have left two).
    func active(crv: String) -> KeyStore.Record? { last { $0.retiredAt == nil && $0.jwk.crv == crv } }
}
