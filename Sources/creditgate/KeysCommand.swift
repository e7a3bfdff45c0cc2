import ArgumentParser
import Attestation
import Foundation
import Gateway

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show or rotate the response-signing keys.",
        subcommands: [Show.self, Rotate.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the published key set (JWKS): the active key first, then every retired one.")
        @Option(help: "The service state folder.") var state = "state"

        func run() async throws {
            let service = try await ServiceState.open(state)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(try service.keys.publicKeys()), as: UTF8.self))
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new active signing key. The old one stays published, so old answers still verify.",
            discussion: "Example: creditgate keys rotate --state state/")
        @Option(help: "The service state folder.") var state = "state"

        func run() async throws {
            let service = try await ServiceState.open(state)
            let old = try service.keys.activeKey()
            let new = try service.keys.rotate()
            // Logged, and signed, under the new key.
            let log = AuditLog(store: service.audit.store, origin: service.origin, signer: NoteSigner(name: service.origin, key: new))
            let receipt = try await log.append(AuditEntry(operation: "keys.rotate", outcome: "ok", detail: "active \(new.keyID), retired \(old.keyID)"))
            print("active key \(new.keyID); retired \(old.keyID) (still published); audit entry \(receipt.logIndex)")
        }
    }
}
