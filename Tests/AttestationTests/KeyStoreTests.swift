@testable import Attestation
import Foundation
import Testing
import TestSupport

@Suite("Key store")
struct KeyStoreTests {
    func temporaryStore() throws -> KeyStore {
        try KeyStore(directory: TemporaryFiles.url("keys"))
    }

    @Test func firstUseCreatesAPrivateKeyFile() throws {
        let store = try temporaryStore()
        #expect(try !store.hasKeys())
        let key = try store.activeKey()
        #expect(try store.hasKeys())
        #expect(try store.activeKey().keyID == key.keyID)
        let file = store.directory.appendingPathComponent("\(key.keyID).json")
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func rotationKeepsRetiredKeysPublished() throws {
        let store = try temporaryStore()
        let first = try store.activeKey()
        let message = Array("an old answer".utf8)
        let oldSignature = try first.signature(for: message)
        let second = try store.rotate()
        #expect(second.keyID != first.keyID)
        #expect(try store.activeKey().keyID == second.keyID)
        let published = try store.publicKeys()
        #expect(published.keys.map(\.kid) == [second.keyID, first.keyID])
        #expect(published.keys.allSatisfy { $0.d == nil })
        // An answer signed before the rotation still verifies from the published set.
        #expect(published.key(id: first.keyID)?.isValidSignature(oldSignature, for: message) == true)
        let encoded = String(decoding: try JSONEncoder().encode(published), as: UTF8.self)
        #expect(!encoded.contains("\"d\""))
    }
}
