import ArgumentParser
import Attestation
import Foundation
import Gateway
import PostgresStorage

/// `creditgate migrate`: from one machine's SQLite files to the PostgreSQL database that several
/// gateways share.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a gateway's SQLite state into an empty PostgreSQL schema, then verify the copied audit log.",
        discussion: """
            Copies the archive's whole history (the same archive versions), the audit log (the same leaves and root: \
            checkpoints issued before still verify, and the log goes on extending them), answers, dispositions, batch \
            jobs and published keys, in one transaction. Stop the gateway first. Its state folder keeps its private \
            signing key and audit HMAC key: start the gateway on the same folder with database.url set.
            Example: creditgate migrate --from state/ --to 'postgres://creditgate@db:5432/credit?schema=bureau'
            """)

    @Option(help: "The service state folder to copy.") var from = "state"
    @Option(help: "The archive file (default: archive.sqlite in the state folder).") var archive: String?
    @Option(help: "The target database URL (default: $CREDITGATE_DATABASE_URL).") var to: String?

    func run() async throws {
        guard let url = to ?? ProcessInfo.processInfo.environment["CREDITGATE_DATABASE_URL"] else {
            throw ValidationError("name the target with --to postgres://… or CREDITGATE_DATABASE_URL")
        }
        let started = Date()
        let copied = try await StateMigration.run(state: from, archive: archive ?? from + "/archive.sqlite", to: url)
        for (table, rows) in copied.sorted(by: { $0.key < $1.key }) { print("  \(table): \(rows) rows") }
        let engine = try await PostgresEngine.open(url: url)
        let service = try await ServiceState.open(from, stores: engine)
        let report = try await AuditVerifier.verify(store: service.audit.store, origin: service.origin, verifiers: try await service.noteVerifiers())
        let version = try await PostgresArchive(engine).version()
        await engine.close()
        guard report.isIntact else {
            print("the copied audit log does NOT verify: \(report.problem ?? "")")
            throw ExitCode(1)
        }
        print(String(format: "migrated in %.1f s: archive version %@; audit log intact, %d entries, %d signed checkpoints",
                     Date().timeIntervalSince(started), version.description, report.entries, report.checkpoints))
    }
}
