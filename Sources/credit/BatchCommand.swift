import ArgumentParser
import CreditClient
import CreditCore
import Foundation

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Check every candidate of a CSV file; write a results CSV that opens in Excel.",
        discussion: """
            The file is CSV in UTF-8 (with or without BOM) or GB18030 (what Excel saves in a Chinese \
            locale), with a header row: 姓名/name and 身份证号/idNumber, optionally 编号/reference. \
            Bad rows are listed with their line numbers before anything is sent; the others are checked.

            Interrupted (Ctrl-C, a lost connection, a closed laptop)? Run the same command again: it \
            resumes where it stopped and checks nobody twice.

            Examples:
              credit batch candidates.csv -o results.csv --consent CONSENT-2026-000123
              credit batch 报名表.csv -o 结果.csv --as-of 2026-11-01

            Exit code 0 when every row was checked, 12 when some could not be (see `credit --help`).
            """
    )

    @OptionGroup var options: ClientOptions
    @OptionGroup var purpose: PurposeOptions
    @Argument(help: "The candidates (CSV).") var file: String
    @Option(name: .shortAndLong, help: "The results file (CSV, UTF-8 with BOM).") var output: String
    @Flag(help: "Replace an existing results file.") var force = false
    @Option(help: .hidden) var jobSize = 1_000_000

    func run() async throws {
        try await reporting {
            let settings = try options.settings(purpose.fill)
            let labels = options.labels(settings)
            let terms = try purpose.terms(settings)
            let today = ChinaTime.today
            let candidates = try CandidateFile(contentsOf: URL(fileURLWithPath: file), today: today)
            reportBadRows(candidates, labels: labels)
            let started = Date()
            let summary = try await withConnection(settings) { connection in
                var runner = BatchRunner(connection: connection, labels: labels, terminal: options.terminal)
                runner.partSize = jobSize
                return try await runner.run(file: candidates, output: URL(fileURLWithPath: output), terms: terms, force: force)
            }
            let seconds = Date().timeIntervalSince(started)
            let t = options.terminal
            print("""
                \(labels.summary)\(summary.resumed ? " (\(labels.resuming))" : ""): \(summary.total) \(labels.rows), \(String(format: "%.1f", seconds)) s
                  \(t.paint("\(labels.clearCount): \(summary.clear)", .green))
                  \(t.paint("\(labels.reviewCount): \(summary.review)", .yellow))
                  \(t.paint("\(labels.ineligibleCount): \(summary.ineligible)", .red))
                  \(labels.errorCount): \(summary.badRows + summary.refused)
                → \(output)
                """)
            return summary.badRows + summary.refused == 0 ? .clear : .rowsRefused
        }
    }
}

/// Lists a candidate file's bad rows (the first 50) before anything is sent: `batch` and `watch add`.
func reportBadRows(_ candidates: CandidateFile, labels: Labels) {
    guard !candidates.badRows.isEmpty else { return }
    printError("\(labels.badRows): \(candidates.badRows.count)")
    for row in candidates.badRows.prefix(50) {
        printError("  line \(row.line)\(row.column.isEmpty ? "" : " [\(row.column)]"): \(row.reason) (\(row.code))")
    }
    if candidates.badRows.count > 50 { printError("  … \(candidates.badRows.count - 50) more, listed in the results file") }
}
