import Crypto
import Foundation

/// A JSON Web Key (RFC 7517) for an OKP key (RFC 8037).
public struct JWK: Codable, Hashable, Sendable {
    public var kty: String
    public var crv: String
    public var x: String
    public var kid: String?
    public var alg: String?
    public var use: String?
    /// The private part; present only in key files, never in a published set.
    public var d: String?

    public init(kty: String, crv: String, x: String, kid: String? = nil, alg: String? = nil, use: String? = nil, d: String? = nil) {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.kid = kid
        self.alg = alg
        self.use = use
        self.d = d
    }

    /// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace,
    /// base64url without padding.
    public static func thumbprint(crv: String, kty: String, x: String) -> String {
        let canonical = "{\"crv\":\(StructuredField.quoted(crv)),\"kty\":\(StructuredField.quoted(kty)),\"x\":\(StructuredField.quoted(x))}"
        return Base64.url(SHA256.hash(data: Array(canonical.utf8)))
    }

    public var thumbprint: String { JWK.thumbprint(crv: crv, kty: kty, x: x) }

    /// The public key this JWK describes.
    public func verificationKey() throws(AttestationError) -> any VerificationKey {
        guard kty == "OKP", crv == "Ed25519", let raw = Base64.decodeURL(x) else {
            throw AttestationError(.algorithmUnsupported, "only OKP Ed25519 keys are supported, not \(kty)/\(crv)")
        }
        do {
            return try Ed25519VerificationKey(raw: raw)
        } catch {
            throw AttestationError(.keyMalformed, "the JWK's x is not an Ed25519 public key")
        }
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

    /// The key whose RFC 7638 thumbprint is `keyID` (a `kid` member is not trusted on its own).
    public func key(id keyID: String) -> (any VerificationKey)? {
        for jwk in keys where jwk.thumbprint == keyID {
            if let key = try? jwk.verificationKey() { return key }
        }
        return nil
    }
}
