import Attestation
import Foundation

/// How every backend keeps a published key: its public JWK as JSON, by RFC 7638 thumbprint.
public enum PublishedKeys {
    public static func json(_ key: JWK) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(key.publicOnly)
    }

    public static func jwk(_ json: Data) throws -> JWK {
        try JSONDecoder().decode(JWK.self, from: json).publicOnly
    }
}
