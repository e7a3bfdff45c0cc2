import ArgumentParser
import Attestation
import CreditClient
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Fetch the gateway's published signing keys and keep them for offline verification.",
        discussion: """
            The keys are added to keys.json in the receipts folder (retired keys are never dropped). \
            Examples:
              credit keys
              credit keys --output jwks.json
            """
    )

    @OptionGroup var options: ClientOptions
    @Option(name: .shortAndLong, help: "Also write the key set to this file.") var output: String?

    func run() async throws {
        try await reporting {
            let settings = try options.settings()
            let (published, ring) = try await withConnection(settings) { connection in
                (try await connection.refreshKeys(), connection.keyRing)
            }
            for (number, key) in published.keys.enumerated() {
                print("\(key.thumbprint)  \(key.crv)\(number == 0 ? "  (active)" : "")")
            }
            print("kept in \(ring.file.path) (\(ring.keys.keys.count) keys)")
            if let output {
                try JSONEncoder.readable.encode(published).write(to: URL(fileURLWithPath: output), options: .atomic)
            }
            return .clear
        }
    }
}
