import Crypto
import Foundation

/// A JSON Web Key (RFC 7517): an OKP Ed25519 key (RFC 8037), or an EC key on the SM2 curve
/// (`crv` "SM2", `x` and `y` 32 bytes each, as RFC 7518 writes EC keys).
public struct JWK: Codable, Hashable, Sendable {
    public var kty: String
    public var crv: String
    public var x: String
    /// An EC key's y coordinate; absent for OKP keys.
    public var y: String?
    public var kid: String?
    public var alg: String?
    public var use: String?
    /// The private part; present only in key files, never in a published set.
    public var d: String?

    public init(kty: String, crv: String, x: String, y: String? = nil, kid: String? = nil, alg: String? = nil, use: String? = nil, d: String? = nil) {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.y = y
        self.kid = kid
        self.alg = alg
        self.use = use
        self.d = d
    }

    /// RFC 7638: SHA-256 over the required members (`crv`, `kty`, `x`, and `y` for EC keys) in
    /// lexicographic order, no whitespace, base64url without padding.
    public static func thumbprint(kty: String, crv: String, x: String, y: String? = nil) -> String {
        var canonical = "{\"crv\":\(StructuredField.quoted(crv)),\"kty\":\(StructuredField.quoted(kty)),\"x\":\(StructuredField.quoted(x))"
        if let y { canonical += ",\"y\":\(StructuredField.quoted(y))" }
        return Base64.url(SHA256.hash(data: Array((canonical + "}").utf8)))
    }

    public var thumbprint: String { JWK.thumbprint(kty: kty, crv: crv, x: x, y: kty == "EC" ? y ?? "" : nil) }

    /// The public key this JWK describes: OKP Ed25519 or EC SM2.
    public func verificationKey() throws(AttestationError) -> any VerificationKey {
        switch (kty, crv) {
        case ("OKP", "Ed25519"):
            guard let raw = Base64.decodeURL(x), let key = try? Ed25519VerificationKey(raw: raw) else {
                throw AttestationError(.keyMalformed, "the JWK's x is not an Ed25519 public key")
            }
            return key
        case ("EC", "SM2"):
            guard let x = Base64.decodeURL(x), let y = y.flatMap(Base64.decodeURL), let key = try? SM2VerificationKey(x: x, y: y) else {
                throw AttestationError(.keyMalformed, "the JWK's x and y are not a point of the SM2 curve")
            }
            return key
        default:
            throw AttestationError(.algorithmUnsupported, "only OKP Ed25519 and EC SM2 keys are supported, not \(kty)/\(crv)")
        }
    }

    /// The private key of a key file's JWK (with `d`).
    public func signingKey() throws(AttestationError) -> any SigningKey {
        guard let d, let secret = Base64.decodeURL(d) else {
            throw AttestationError(.keyMalformed, "key file \(thumbprint) has no private key")
        }
        let key: (any SigningKey)?
        switch (kty, crv) {
        case ("OKP", "Ed25519"): key = try? Ed25519SigningKey(seed: secret)
        case ("EC", "SM2"): key = try? SM2SigningKey(scalar: secret)
        default: throw AttestationError(.algorithmUnsupported, "only OKP Ed25519 and EC SM2 keys are supported, not \(kty)/\(crv)")
        }
        guard let key, key.keyID == thumbprint else {
            throw AttestationError(.keyMalformed, "key file \(thumbprint) holds a private key that is not its public key's")
        }
        return key
    }

    /// The same key without its private part.
    public var publicOnly: JWK {
        var copy = self
        copy.d = nil
        return copy
    }
}

/// A JWK Set: the service's published keys, current and retired.
public struct JWKSet: Codable, Hashable, Sendable {
    public var keys: [JWK]

    public init(keys: [JWK]) { self.keys = keys.map(\.publicOnly) }

    /// Note verifiers named `name` for every key of the set this build can read (Ed25519, SM2):
    /// a checkpoint of the log `name` verifies with them whichever of the keys signed it.
    public func noteVerifiers(name: String) -> [NoteVerifier] {
        keys.compactMap { try? $0.verificationKey() }.map { NoteVerifier(name: name, publicKey: $0) }
    }

    /// The key whose RFC 7638 thumbprint is `keyID` (a `kid` member is not trusted on its own).
    public func key(id keyID: String) -> (any VerificationKey)? {
        for jwk in keys where jwk.thumbprint == keyID {
            if let key = try? jwk.verificationKey() { return key }
        }
        return nil
    }
}
