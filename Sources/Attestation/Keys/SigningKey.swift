import Crypto
import Foundation

/// A signature algorithm by its RFC 9421 name. Signing and verifying go through the
/// ``SigningKey`` and ``VerificationKey`` protocols: Ed25519 here, SM2 (``SM2SigningKey``) beside
/// it; a third algorithm is a new conforming type, not a change to the signers.
public struct SignatureAlgorithm: RawRepresentable, Hashable, Sendable, Codable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let ed25519 = SignatureAlgorithm(rawValue: "ed25519")
}

/// A private key that signs.
public protocol SigningKey: Sendable {
    var algorithm: SignatureAlgorithm { get }
    var verificationKey: any VerificationKey { get }
    func signature(for message: [UInt8]) throws -> [UInt8]
}

/// A public key that checks signatures and publishes itself as a JWK.
public protocol VerificationKey: Sendable {
    var algorithm: SignatureAlgorithm { get }
    /// The RFC 7638 JWK thumbprint: the `keyid` of signatures made with the matching private key.
    var keyID: String { get }
    var jwk: JWK { get }
    /// The raw public key bytes.
    var rawRepresentation: [UInt8] { get }
    /// The key as C2SP signed notes name it: a signature type byte, then the public key. Its
    /// hash is the note key ID; it is the last part of a verifier key.
    var noteKey: [UInt8] { get }
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool
}

extension SigningKey {
    public var keyID: String { verificationKey.keyID }
}

/// Ed25519 (RFC 8032), the service's signing algorithm.
public struct Ed25519SigningKey: SigningKey {
    let key: Curve25519.Signing.PrivateKey

    /// A fresh random key.
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// A key from its 32-byte seed.
    public init(seed: [UInt8]) throws {
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        } catch {
            throw AttestationError(.keyMalformed, "an Ed25519 private key is a 32-byte seed")
        }
    }

    public var seed: [UInt8] { Array(key.rawRepresentation) }
    public var algorithm: SignatureAlgorithm { .ed25519 }
    public var verificationKey: any VerificationKey { Ed25519VerificationKey(key.publicKey) }
    public var publicKey: Ed25519VerificationKey { Ed25519VerificationKey(key.publicKey) }

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: message))
    }

    /// The private JWK (with `d`), for the key file only: never published.
    public var privateJWK: JWK {
        var jwk = publicKey.jwk
        jwk.d = Base64.url(seed)
        return jwk
    }
}

public struct Ed25519VerificationKey: VerificationKey, Hashable {
    let key: Curve25519.Signing.PublicKey

    init(_ key: Curve25519.Signing.PublicKey) { self.key = key }

    public init(raw: [UInt8]) throws {
        do {
            key = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        } catch {
            throw AttestationError(.keyMalformed, "an Ed25519 public key has 32 bytes")
        }
    }

    public var algorithm: SignatureAlgorithm { .ed25519 }
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    public var jwk: JWK {
        JWK(kty: "OKP", crv: "Ed25519", x: Base64.url(rawRepresentation), kid: keyID, alg: "EdDSA", use: "sig")
    }

    public var keyID: String {
        JWK.thumbprint(kty: "OKP", crv: "Ed25519", x: Base64.url(rawRepresentation))
    }

    /// Signature type `0x01` (C2SP signed-note).
    public var noteKey: [UInt8] { [0x01] + rawRepresentation }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: message)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}
