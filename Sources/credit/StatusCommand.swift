import ArgumentParser
import CreditClient
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether the gateway is ready, and the archive it checks against.",
        discussion: "Example: credit status"
    )

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await reporting {
            let settings = try options.settings()
            let (ready, archive) = try await withConnection(settings) { connection in
                let ready = try await connection.call { try await $0.getReadiness() }.output.ok.body.json
                let archive = try await connection.call { try await $0.getArchiveStatus() }.output.ok.body.json
                return (ready, archive)
            }
            var lines = [
                "server           \(settings.server ?? "")",
                "status           \(ready.status.rawValue), signing key \(ready.keyId)",
                "archive version  \(archive.archive.version)",
                "listings         \(archive.defaulterEntries) (\(archive.defaulterEvents) events, \(archive.maskedEvents) masked)",
                "records          \(archive.records) (\(archive.recordEvents) events)",
                "imports          \(archive.imports)",
            ]
            if let last = archive.lastImport {
                lines.append("last import      #\(last.sequence) \(last.kind) \(last.source), \(last.accepted) accepted, \(last.rejected) rejected, \(last.importedAt)")
            }
            print(lines.joined(separator: "\n"))
            return .clear
        }
    }
}
