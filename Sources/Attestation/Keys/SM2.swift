import COpenSSL

extension SignatureAlgorithm {
    /// SM2 signatures over SM3 (GB/T 32918.2, GB/T 32905) with the GM/T 0009 default user ID.
    /// RFC 9421's registry has no SM2 entry: this name is ours, written down in the README. The
    /// signature is 64 bytes, r then s, each 32 bytes big-endian, as RFC 9421 encodes ECDSA.
    public static let sm2 = SignatureAlgorithm(rawValue: "sm2-sm3")
}

/// The system OpenSSL's key object, freed when the last copy of a key goes.
///
/// OpenSSL 3 allows one `EVP_PKEY` to be used by several threads at once for signing and
/// verifying (each call makes its own operation context), hence `@unchecked Sendable`.
final class OpenSSLKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init?(_ pointer: OpaquePointer?) {
        guard let pointer else { return nil }
        self.pointer = pointer
    }

    deinit { cg_sm2_free(pointer) }
}

/// An SM2 private key (GB/T 32918), signing with SM3 under a user ID.
public struct SM2SigningKey: SigningKey {
    /// GM/T 0009's default user ID, `1234567812345678`, used when a signer names none.
    public static let defaultUserID = Array("1234567812345678".utf8)

    let key: OpenSSLKey
    public let publicKey: SM2VerificationKey

    /// A fresh random key from OpenSSL's generator.
    public init() throws {
        guard let key = OpenSSLKey(cg_sm2_generate()) else { throw AttestationError(.keyMalformed, "OpenSSL made no SM2 key") }
        try self.init(key)
    }

    /// A key from its 32-byte private scalar d (in [1, n-2]).
    public init(scalar: [UInt8]) throws {
        guard let key = OpenSSLKey(cg_sm2_private_key(scalar, scalar.count)) else {
            throw AttestationError(.keyMalformed, "an SM2 private key is a 32-byte scalar between 1 and n-2")
        }
        try self.init(key)
    }

    private init(_ key: OpenSSLKey) throws {
        var point = [UInt8](repeating: 0, count: 65)
        guard cg_sm2_public_bytes(key.pointer, &point) == 1 else { throw AttestationError(.keyMalformed, "the SM2 key has no public point") }
        self.key = key
        publicKey = SM2VerificationKey(key: key, point: point)
    }

    /// The private scalar d, 32 bytes: what a key file keeps.
    public var scalar: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        precondition(cg_sm2_private_bytes(key.pointer, &out) == 1, "an SM2 signing key has its private scalar")
        return out
    }

    public var algorithm: SignatureAlgorithm { .sm2 }
    public var verificationKey: any VerificationKey { publicKey }

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        try signature(for: message, userID: Self.defaultUserID)
    }

    /// The signature r ‖ s of `message` under `userID` (Z_A is computed from it and the public key).
    public func signature(for message: [UInt8], userID: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        guard cg_sm2_sign(key.pointer, userID, userID.count, message, message.count, &out) == 1 else {
            throw AttestationError(.signatureInvalid, "OpenSSL could not make an SM2 signature")
        }
        return out
    }

    /// The private JWK (with `d`), for the key file only: never published.
    public var privateJWK: JWK {
        var jwk = publicKey.jwk
        jwk.d = Base64.url(scalar)
        return jwk
    }
}

/// An SM2 public key: a point of the SM2 curve, published as an EC JWK with `crv` "SM2".
public struct SM2VerificationKey: VerificationKey, Hashable {
    let key: OpenSSLKey
    /// The uncompressed point, 0x04 ‖ x ‖ y (65 bytes).
    public let rawRepresentation: [UInt8]

    init(key: OpenSSLKey, point: [UInt8]) {
        self.key = key
        rawRepresentation = point
    }

    /// A key from its 65-byte uncompressed point; refused unless the point is on the curve.
    public init(point: [UInt8]) throws {
        guard let key = OpenSSLKey(cg_sm2_public_key(point, point.count)) else {
            throw AttestationError(.keyMalformed, "an SM2 public key is an uncompressed point (65 bytes) on the SM2 curve")
        }
        self.init(key: key, point: point)
    }

    /// A key from the JWK coordinates, 32 bytes each.
    public init(x: [UInt8], y: [UInt8]) throws {
        guard x.count == 32, y.count == 32 else { throw AttestationError(.keyMalformed, "an SM2 JWK has 32-byte x and y") }
        try self.init(point: [0x04] + x + y)
    }

    public var algorithm: SignatureAlgorithm { .sm2 }
    var x: String { Base64.url(rawRepresentation[1..<33]) }
    var y: String { Base64.url(rawRepresentation[33...]) }

    public var jwk: JWK {
        JWK(kty: "EC", crv: "SM2", x: x, y: y, kid: keyID, alg: "SM2-SM3", use: "sig")
    }

    public var keyID: String { JWK.thumbprint(kty: "EC", crv: "SM2", x: x, y: y) }

    /// C2SP signed notes assign SM2 no signature type byte: it takes `0xff` followed by the OID of
    /// SM2-with-SM3 signatures (GM/T 0006), then the point.
    public var noteKey: [UInt8] { [0xFF] + Self.noteIdentifier + rawRepresentation }
    static let noteIdentifier = Array("1.2.156.10197.1.501".utf8)

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        isValidSignature(signature, for: message, userID: SM2SigningKey.defaultUserID)
    }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8], userID: [UInt8]) -> Bool {
        signature.count == 64 && cg_sm2_verify(key.pointer, userID, userID.count, message, message.count, signature) == 1
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}
