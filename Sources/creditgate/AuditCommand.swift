import ArgumentParser
import Attestation
import Foundation
import Gateway
import PostgresStorage

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit log.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every hash of the audit log and check every signed checkpoint.",
            discussion: "Exits 0 when the log is intact; otherwise prints the first bad index and exits 1.")
        @Option(help: "The service state folder (its keys verify the checkpoints).") var state = "state"
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let service = try await ServiceState.open(state, stores: try await database.engine())
            let report = try await AuditVerifier.verify(store: service.audit.store, origin: service.origin, verifiers: try await service.noteVerifiers())
            if report.isIntact {
                let signatures = report.signatures.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                print("audit log intact: \(report.entries) entries, \(report.checkpoints) signed checkpoints (signatures verified: \(signatures))")
            } else {
                print("audit log ALTERED: first bad index \(report.firstBadIndex.map(String.init) ?? "?"): \(report.problem ?? "")")
                throw ExitCode(1)
            }
        }
    }
}
