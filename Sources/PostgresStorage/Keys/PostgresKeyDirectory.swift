import Attestation
import Foundation
import NIOCore
import PostgresNIO
import Storage

/// Published keys in PostgreSQL: the one JWKS of every gateway sharing the database.
public struct PostgresKeyDirectory: KeyDirectory {
    let engine: PostgresEngine

    public init(_ engine: PostgresEngine) {
        self.engine = engine
    }

    public func publish(_ keys: [JWK]) async throws {
        let kids = keys.map(\.thumbprint)
        let json = try keys.map { ByteBuffer(data: try PublishedKeys.json($0)) }
        try await engine.query("""
            INSERT INTO published_keys (kid, jwk, published_at)
            SELECT kid, jwk, \(Date().timeIntervalSince1970) FROM unnest(\(kids)::text[], \(json)::bytea[]) AS given (kid, jwk)
            ON CONFLICT (kid) DO NOTHING
            """)
    }

    public func publishedKeys() async throws -> [JWK] {
        var keys: [JWK] = []
        for json in try await engine.query("SELECT jwk FROM published_keys ORDER BY published_at, kid").decode(ByteBuffer.self) {
            keys.append(try PublishedKeys.jwk(Data(buffer: json)))
        }
        return keys
    }
}
