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
        let second = try store.rotate().ed25519
        #expect(try store.activeKeys(sm2: false).sm2 == nil)
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

    /// The SM2 key is made when the switch asks for it and rotates with the Ed25519 key; old SM2
    /// keys stay published like old Ed25519 ones.
    @Test func sm2KeysAreMadeAndRotatedWithTheEd25519Key() throws {
        let store = try temporaryStore()
        let ed25519 = try store.activeKey()
        #expect(try !store.hasSM2Key())
        let first = try store.activeKeys(sm2: true)
        let firstSM2 = try #require(first.sm2)
        #expect(first.ed25519.keyID == ed25519.keyID)
        #expect(try store.hasSM2Key())
        #expect(try store.activeKeys(sm2: true).sm2?.keyID == firstSM2.keyID)
        let file = store.directory.appendingPathComponent("\(firstSM2.keyID).json")
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o600)
        let message = Array("an old answer".utf8)
        let oldSignature = try firstSM2.signature(for: message)

        let rotated = try store.rotate()
        let secondSM2 = try #require(rotated.sm2)
        #expect(secondSM2.keyID != firstSM2.keyID && rotated.ed25519.keyID != ed25519.keyID)
        let published = try store.publicKeys()
        #expect(published.keys.prefix(2).map(\.kid) == [rotated.ed25519.keyID, secondSM2.keyID])
        #expect(Set(published.keys.dropFirst(2).map(\.kid)) == [ed25519.keyID, firstSM2.keyID])
        #expect(published.keys.allSatisfy { $0.d == nil })
        #expect(published.key(id: firstSM2.keyID)?.isValidSignature(oldSignature, for: message) == true)
        #expect(published.key(id: firstSM2.keyID)?.algorithm == .sm2)
    }
}
