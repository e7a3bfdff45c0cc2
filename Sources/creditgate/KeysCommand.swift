import ArgumentParser
import Attestation
import Foundation
import Gateway
import PostgresStorage

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show or rotate the response-signing keys.",
        subcommands: [Show.self, Rotate.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the published key set (JWKS): the active key first, then every retired one.")
        @Option(help: "The service state folder.") var state = "state"
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let service = try await ServiceState.open(state, stores: try await database.engine())
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(try await service.publishedKeys()), as: UTF8.self))
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new active signing key. The old one stays published, so old answers still verify.",
            discussion: "Example: creditgate keys rotate --state state/")
        @Option(help: "The service state folder.") var state = "state"
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let service = try await ServiceState.open(state, stores: try await database.engine())
            let old = try service.keys.activeKey()
            let new = try service.keys.rotate()
            // Logged, and signed, under the new key.
            _ = try await service.publishedKeys()
            let log = AuditLog(store: service.audit.store, origin: service.origin, signer: NoteSigner(name: service.origin, key: new))
            let receipt = try await log.append(AuditEntry(operation: "keys.rotate", outcome: "ok", detail: "active \(new.keyID), retired \(old.keyID)"))
            print("active key \(new.keyID); retired \(old.keyID) (still published); audit entry \(receipt.logIndex)")
        }
    }
}
