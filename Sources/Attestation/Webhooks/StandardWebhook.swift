import Crypto
import Foundation

/// Standard Webhooks v1 signatures (standardwebhooks.com): the headers `webhook-id`,
/// `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of versioned
/// signatures over `id.timestamp.body`.
///
/// Each delivery carries two: `v1,` — HMAC-SHA256 with the endpoint's own secret, which every
/// Standard Webhooks library verifies — and `v1a,` — Ed25519 with the gateway's signing key, published
/// in its JWKS, which anyone can verify later without a shared secret (and which a receiver cannot
/// forge, as it could an HMAC).
///
/// ```swift
/// let signed = StandardWebhook(id: "evt_01…", timestamp: 1_764_720_000, body: payload)
/// let header = signed.signature(secrets: [secret], key: ed25519Key)   // "v1,… v1a,…"
/// ```
public struct StandardWebhook: Sendable {
    public var id: String
    public var timestamp: Int64
    public var body: [UInt8]

    public init(id: String, timestamp: Int64, body: [UInt8]) {
        self.id = id
        self.timestamp = timestamp
        self.body = body
    }

    /// What is signed: `id.timestamp.body`.
    public var signedContent: [UInt8] { Array("\(id).\(timestamp).".utf8) + body }

    /// `v1,<base64>` for each secret (two while a rotated secret is still honoured), then
    /// `v1a,<base64>` with `key` when there is one.
    public func signature(secrets: [WebhookSecret], key: (any SigningKey)?) throws -> String {
        var parts = secrets.map { "v1," + Base64.standard(HMAC<SHA256>.authenticationCode(for: signedContent, using: SymmetricKey(data: $0.bytes))) }
        if let key { parts.append("v1a," + Base64.standard(try key.signature(for: signedContent))) }
        return parts.joined(separator: " ")
    }

    /// Whether `header` holds a `v1` signature made with `secret`.
    public func hasSignature(in header: String, secret: WebhookSecret) -> Bool {
        let expected = HMAC<SHA256>.authenticationCode(for: signedContent, using: SymmetricKey(data: secret.bytes))
        return Self.values(in: header, version: "v1").contains { Array(expected) == $0 }
    }

    /// Whether `header` holds a `v1a` signature `key` verifies.
    public func hasSignature(in header: String, key: any VerificationKey) -> Bool {
        Self.values(in: header, version: "v1a").contains { key.isValidSignature($0, for: signedContent) }
    }

    private static func values(in header: String, version: String) -> [[UInt8]] {
        header.split(separator: " ").compactMap { part in
            let pieces = part.split(separator: ",", maxSplits: 1)
            guard pieces.count == 2, pieces[0] == version else { return nil }
            return Base64.decodeStandard(pieces[1])
        }
    }
}

/// An endpoint's signing secret: `whsec_` and the base64 of its bytes (24 random bytes when made here).
public struct WebhookSecret: Sendable, Hashable {
    public let bytes: [UInt8]

    public init?(text: String) {
        guard text.hasPrefix("whsec_"), let bytes = Base64.decodeStandard(text.dropFirst(6)), !bytes.isEmpty else { return nil }
        self.bytes = bytes
    }

    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return WebhookSecret(bytes: (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    public var text: String { "whsec_" + Base64.standard(bytes) }
}
