import ArgumentParser
import CreditClient
import CreditCore
import Foundation
import GatewayAPI

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Keep candidates screened until a day (监测预警): add, list, remove.",
        discussion: """
            A watched candidate is checked now and again whenever an archive import concerns them or \
            their evidence changes with time; each change is an event (`credit events`).

            Examples:
              credit watch add candidates.csv --until 2027-06-30 -o watches.csv --consent CONSENT-2026-000123
              credit watch list --recruitment GK2026-0001
              credit watch remove wch_01…
            """,
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Watch every candidate of a CSV file until a day; write the watches and first answers to a CSV.",
            discussion: """
                The file is the one `credit batch` reads. Each candidate is checked now (the answers are \
                kept as receipts) and watched until --until (at most two years ahead). With --endpoint, \
                changes are also pushed to that webhook endpoint.

                Exit code 0 when every row is watched, 12 when some could not be (see `credit --help`).
                """
        )

        @OptionGroup var options: ClientOptions
        @OptionGroup var purpose: PurposeOptions
        @Argument(help: "The candidates (CSV).") var file: String
        @Option(help: "The last day watched, YYYY-MM-DD.") var until: String
        @Option(help: "A webhook endpoint of yours (whe_…) to push changes to.") var endpoint: String?
        @Option(name: .shortAndLong, help: "The watches file (CSV, UTF-8 with BOM).") var output: String
        @Flag(help: "Replace an existing watches file.") var force = false

        /// Candidates per request: the gateway's limit for inline watches.
        static let part = 10_000

        func run() async throws {
            try await reporting {
                let settings = try options.settings(purpose.fill)
                let labels = options.labels(settings)
                let terms = try purpose.terms(settings)
                guard (try? CalendarDay(parsing: until)) != nil else { throw UsageError("--until must be a day, YYYY-MM-DD") }
                let outputURL = URL(fileURLWithPath: output)
                guard force || !FileManager.default.fileExists(atPath: output) else { throw UsageError("\(output) exists: --force replaces it") }
                let candidates = try CandidateFile(contentsOf: URL(fileURLWithPath: file), today: ChinaTime.today)
                reportBadRows(candidates, labels: labels)
                try Data([0xEF, 0xBB, 0xBF] + Array((CSV.record(labels.watchColumns) + "\r\n").utf8)).write(to: outputURL)
                let handle = try FileHandle(forWritingTo: outputURL)
                defer { try? handle.close() }
                try handle.seekToEnd()
                var (watched, refused) = (0, candidates.badRows.count)
                var decisions: [Components.Schemas.Decision] = []
                try await withConnection(settings) { connection in
                    for (number, start) in stride(from: 0, to: candidates.candidates.count, by: Self.part).enumerated() {
                        let rows = Array(candidates.candidates[start..<min(start + Self.part, candidates.candidates.count)])
                        let request = Components.Schemas.WatchRequest(
                            purpose: .init(code: terms.purpose, recruitmentId: terms.recruitmentId, consentReference: terms.consentReference),
                            policy: terms.policy, _operator: terms.operator, until: until, endpointId: endpoint,
                            candidates: rows.map { .init(name: $0.name, idNumber: $0.idNumber, reference: $0.reference) })
                        let (output, receipt) = try await connection.call { try await $0.createWatches(body: .json(request)) }
                        let made = try output.created.body.json
                        let kept = try connection.folder.save(receipt, name: "watches-\(terms.recruitmentId)-\(number + 1)")
                        var lines = ""
                        for item in made.items {
                            let row = rows[item.index]
                            let fields = [String(row.line), row.reference ?? "", row.name, row.maskedID, item.watch?.watchId ?? "",
                                          item.result?.decision.rawValue ?? "", item.result?.checkId ?? "", until, kept.path,
                                          item.error.map { "\($0.code): \($0.detail ?? $0.title)" } ?? ""]
                            lines += CSV.record(fields) + "\r\n"
                            if let decision = item.result?.decision { decisions.append(decision) } else { refused += 1 }
                            if item.watch != nil { watched += 1 }
                        }
                        try handle.write(contentsOf: Data(lines.utf8))
                        print("\(watched) / \(candidates.candidates.count)")
                    }
                }
                // The rows that could not be sent, with their reasons, after the others.
                let bad = candidates.badRows.map { row in
                    CSV.record([String(row.line), row.reference, row.name, "", "", "", "", "", "",
                                "\(row.code): \(row.reason)" + (row.column.isEmpty ? "" : " (\(row.column))")]) + "\r\n"
                }
                try handle.write(contentsOf: Data(bad.joined().utf8))
                try handle.synchronize()
                let t = options.terminal
                print("""
                    \(labels.summary): \(watched) watched until \(until)
                      \(t.paint("\(labels.clearCount): \(decisions.count { $0 == .clear })", .green))
                      \(t.paint("\(labels.reviewCount): \(decisions.count { $0 == .review })", .yellow))
                      \(t.paint("\(labels.ineligibleCount): \(decisions.count { $0 == .ineligible })", .red))
                      \(labels.errorCount): \(refused)
                    → \(output)
                    """)
                return refused == 0 ? .clear : .rowsRefused
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your watches (one recruitment's with --recruitment).")

        @OptionGroup var options: ClientOptions
        @Option(help: "Only this recruitment's watches.") var recruitment: String?

        func run() async throws {
            try await reporting {
                try await withConnection(try options.settings()) { connection in
                    var after: String?
                    repeat {
                        let (output, _) = try await connection.call {
                            try await $0.listWatches(query: .init(recruitmentId: recruitment, after: after, limit: 1000))
                        }
                        let page = try output.ok.body.json
                        for watch in page.watches {
                            print([watch.watchId, watch.status.rawValue, watch.decision.rawValue, watch.until, watch.candidate.maskedId,
                                   watch.candidate.name ?? "", watch.reference ?? "", watch.recruitmentId].joined(separator: "\t"))
                        }
                        after = page.next
                    } while after != nil
                }
                return .clear
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "End watches now (their full IDs are deleted).")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The watches (wch_…).") var watches: [String]

        func run() async throws {
            try await reporting {
                try await withConnection(try options.settings()) { connection in
                    for id in watches {
                        let (output, _) = try await connection.call { try await $0.deleteWatch(path: .init(watchId: id)) }
                        let ended = try output.ok.body.json
                        print("\(ended.watchId)\t\(ended.status.rawValue)\t\(ended.decision.rawValue)")
                    }
                }
                return .clear
            }
        }
    }
}
