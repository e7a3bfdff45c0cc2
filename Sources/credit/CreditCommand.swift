import ArgumentParser
import CreditClient

/// `credit`: credit checks for HR staff, with signed receipts they can verify later without the server.
@main
struct CreditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credit",
        abstract: "Credit checks (信用审查) for recruitment: single and batch checks, signed receipts, offline verification.",
        discussion: """
            Start with `credit config init` (it finds the demo certificates), then:
              credit check --name 张三 --id 11010519491231002X --consent CONSENT-2026-000123
              credit batch candidates.csv -o results.csv
              credit verify receipts/chk_….receipt
              credit watch add candidates.csv --until 2027-06-30 -o watches.csv
              credit events -o events.csv --follow

            Settings come from flags, then the environment (CREDIT_SERVER, CREDIT_CERT, …), then the \
            config file (~/.config/credit/config.json, or --config / CREDIT_CONFIG).

            Exit codes:
            \(ExitStatus.table)
            """,
        subcommands: [
            CheckCommand.self, BatchCommand.self, VerifyCommand.self, DisposeCommand.self, StatusCommand.self,
            KeysCommand.self, AuditCommand.self, ConfigCommand.self, ArchiveCommand.self, WatchCommand.self, EventsCommand.self,
        ]
    )
}
