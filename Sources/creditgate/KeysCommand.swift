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
            // An SM2 key rotates with the Ed25519 one.
            let old = try service.keys.activeKeys(sm2: service.keys.hasSM2Key()).all.map(\.keyID).joined(separator: ", ")
            let new = try service.keys.rotate().all
            let active = new.map(\.keyID).joined(separator: ", ")
            // Logged, and signed, under the new keys.
            _ = try await service.publishedKeys()
            let log = AuditLog(store: service.audit.store, origin: service.origin, signer: NoteSigner(name: service.origin, keys: new))
            let receipt = try await log.append(AuditEntry(operation: "keys.rotate", outcome: "ok", detail: "active \(active), retired \(old)"))
            print("active \(new.count == 1 ? "key" : "keys") \(active); retired \(old) (still published); audit entry \(receipt.logIndex)")
        }
    }
}
