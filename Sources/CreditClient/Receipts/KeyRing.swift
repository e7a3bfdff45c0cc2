import Attestation
import Foundation

extension JSONEncoder {
    /// Files people may open: indented, keys sorted, slashes as they are.
    package static var readable: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// The service's published keys as this client has seen them, kept beside the receipts
/// (`keys.json`, a JWK Set) so that receipts can be verified offline, years later.
///
/// Keys are only ever added: a retired key still verifies the answers it signed.
package struct KeyRing: Sendable {
    package let file: URL
    package private(set) var keys: JWKSet

    package init(file: URL) throws {
        self.file = file
        if let data = try? Data(contentsOf: file) {
            keys = try JSONDecoder().decode(JWKSet.self, from: data)
        } else {
            keys = JWKSet(keys: [])
        }
    }

    package func knows(_ keyID: String) -> Bool { keys.key(id: keyID) != nil }

    /// Adds the keys not yet known and saves the set; returns how many were new.
    @discardableResult
    package mutating func add(_ published: JWKSet) throws -> Int {
        let known = Set(keys.keys.map(\.thumbprint))
        let new = published.keys.filter { !known.contains($0.thumbprint) }
        guard !new.isEmpty else { return 0 }
        keys = JWKSet(keys: keys.keys + new)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder.readable.encode(keys).write(to: file, options: .atomic)
        return new.count
    }
}
