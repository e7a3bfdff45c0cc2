import ArgumentParser
import CreditClient
import CreditCore
import Foundation
import GatewayAPI

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Pull your watches' events, verify each new answer, keep its receipt, and append both to a CSV.",
        discussion: """
            Each event names the check that made the new decision: its signed answer is fetched, its \
            signature and audit proof verified, and kept as a receipt. The CSV (UTF-8 with BOM) opens \
            in Excel; the cursor is kept beside it, so the next run goes on where this one stopped.

            Examples:
              credit events -o events.csv            # what has come since the last run
              credit events -o events.csv --follow   # and keep waiting for more (Ctrl-C ends)

            Exit code 0, or 20 when an answer did not verify (see `credit --help`).
            """
    )

    @OptionGroup var options: ClientOptions
    @Option(name: .shortAndLong, help: "The events file (CSV).") var output = "events.csv"
    @Option(help: "Start after this cursor (default: where the last run stopped, else the beginning).") var after: Int64?
    @Flag(help: "Keep waiting for new events.") var follow = false

    func run() async throws {
        try await reporting {
            let settings = try options.settings()
            let outputURL = URL(fileURLWithPath: output)
            let cursorURL = URL(fileURLWithPath: output + ".cursor")
            var cursor = after ?? (try? String(contentsOf: cursorURL, encoding: .utf8)).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            if !FileManager.default.fileExists(atPath: output) {
                try Data([0xEF, 0xBB, 0xBF] + Array((CSV.record(options.labels(settings).eventColumns) + "\r\n").utf8)).write(to: outputURL)
            }
            let handle = try FileHandle(forWritingTo: outputURL)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try await withConnection(settings) { connection in
                while !Task.isCancelled {
                    let (output, _) = try await connection.call {
                        try await $0.listEvents(query: .init(after: cursor, limit: 100, wait: follow ? 30 : 0))
                    }
                    let page = try output.ok.body.json
                    var lines = ""
                    for event in page.events {
                        // The new answer, verified (signature, digest, audit proof) as it is received.
                        let (stored, receipt) = try await connection.call { try await $0.getCheck(path: .init(checkId: event.data.checkId)) }
                        let answer = try stored.ok.body.json.result
                        guard answer.decision == event.data.decision else {
                            throw ClientFailure.unverified("event \(event.data.eventId) says \(event.data.decision.rawValue), its answer \(answer.decision.rawValue)")
                        }
                        let kept = try connection.folder.save(receipt, name: answer.checkId)
                        let fields = [String(event.cursor), ISO8601DateFormatter().string(from: event.timestamp), event.data.watchId,
                                      event.data.reference ?? "", answer.candidate.maskedId, event.data.previousDecision.rawValue,
                                      event.data.decision.rawValue, event.data.cause?.rawValue ?? "", answer.checkId, kept.path]
                        lines += CSV.record(fields) + "\r\n"
                        print("\(event.data.watchId)  \(event.data.previousDecision.rawValue) → \(event.data.decision.rawValue)  \(answer.candidate.maskedId)  \(kept.path)")
                    }
                    if !lines.isEmpty {
                        try handle.write(contentsOf: Data(lines.utf8))
                        try handle.synchronize()
                    }
                    // The cursor moves only once the rows are on disk: an interrupted run repeats, never skips.
                    cursor = page.cursor
                    try Data("\(cursor)\n".utf8).write(to: cursorURL, options: .atomic)
                    if page.events.isEmpty, !follow { break }
                }
            }
            return .clear
        }
    }
}
