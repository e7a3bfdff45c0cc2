import ArchiveClient
import SQLiteStorage
import ArgumentParser
import PostgresStorage
import CreditCore
import Foundation

struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Generate, import and inspect the archive.",
        subcommands: [Generate.self, Import.self, Stats.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a realistic synthetic defaulter feed and dishonesty-record feed (NDJSON).",
            discussion: "Example: creditgate archive generate --entries 1000000 --records 50000 --out data/"
        )

        @Option(help: "Seed: the same seed writes the same files.") var seed: UInt64 = 2026
        @Option(help: "Defaulter listings to generate (each may add delete/revoke/correct lines).") var entries = 100_000
        @Option(help: "Dishonesty records to generate.") var records = 10_000
        @Option(help: "Output folder.") var out = "data"

        func run() async throws {
            let folder = URL(fileURLWithPath: out, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var generator = try SyntheticArchive(seed: seed)
            let started = Date()
            let defaulterLines = try generator.writeDefaulters(count: entries, to: folder.appendingPathComponent("defaulters.ndjson"))
            let recordLines = try generator.writeRecords(count: records, to: folder.appendingPathComponent("records.ndjson"))
            print("wrote \(folder.path)/defaulters.ndjson: \(entries) listings, \(defaulterLines) lines")
            print("wrote \(folder.path)/records.ndjson: \(records) records, \(recordLines) lines")
            print(String(format: "in %.1f s", Date().timeIntervalSince(started)))
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a feed in one transaction: all of it, or (if the process dies) none of it.",
            discussion: """
                Defaulter feeds: NDJSON, a JSON array, or CSV (UTF-8 with or without BOM, or GB18030) with the
                public list's field names. Record feeds: NDJSON or CSV. Bad lines are reported with their line
                number and skipped, unless --strict. Importing the same file again changes nothing.
                Example: creditgate archive import --archive archive.sqlite data/defaulters.ndjson
                With --database, into the archive the gateways share: imports from any writer are serialised.
                """
        )

        enum Kind: String, ExpressibleByArgument { case defaulters, records }

        @Option(help: "The archive file (created if missing).") var archive = "archive.sqlite"
        @OptionGroup var database: DatabaseOption
        @Option(help: "defaulters or records.") var kind: Kind = .defaulters
        @Option(help: "ndjson, json or csv (default: from the extension or content).") var format: String?
        @Flag(help: "Refuse the whole file if any line is bad.") var strict = false
        @Flag(help: "Print the report as JSON.") var json = false
        @Argument(help: "Feed files, imported one after another.") var files: [String]

        func run() async throws {
            let store = try await ArchiveCommand.open(archive, database)
            var feedFormat: FeedFormat?
            if let format {
                guard let parsed = FeedFormat(rawValue: format) else { throw ValidationError("--format must be ndjson, json or csv") }
                feedFormat = parsed
            }
            for file in files {
                let url = URL(fileURLWithPath: file)
                let options = ImportOptions(strict: strict, format: feedFormat)
                let report: ImportReport
                do {
                    report = try await store.importFeed(kind == .defaulters ? .defaulters : .records, from: url, options: options)
                } catch let refused as StrictImportError {
                    print("\(file): \(refused); nothing was imported")
                    throw ExitCode(3)
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                    continue
                }
                if report.alreadyImported {
                    print("\(file): already imported as archive version \(report.version); nothing changed")
                    continue
                }
                let rate = Double(report.accepted) / max(report.seconds, 0.001)
                print(String(format: "%@: %d lines imported, %d rejected, %.1f s (%.0f lines/s), %@%@; archive version %@",
                             file, report.accepted, report.rejected, report.seconds, rate, report.format,
                             report.encoding.map { " " + $0 } ?? "", report.version.description))
                for issue in report.issues.prefix(20) { print("  \(issue)") }
                if report.issues.count > 20 { print("  ... \(report.rejected - 20) more") }
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the archive's version, counts and last import.")

        @Option(help: "The archive file.") var archive = "archive.sqlite"
        @OptionGroup var database: DatabaseOption
        @Flag(help: "Print as JSON.") var json = false

        func run() async throws {
            guard database.url != nil || FileManager.default.fileExists(atPath: archive) else {
                throw ValidationError("no archive at \(archive)")
            }
            let stats = try await ArchiveCommand.open(archive, database).statistics()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(stats), as: UTF8.self))
            } else {
                print(StatsText.render(stats, path: database.url == nil ? archive : "in the shared database"))
            }
        }
    }

    /// The archive file, or the shared database's archive when one is named.
    static func open(_ path: String, _ database: DatabaseOption) async throws -> any ArchiveStore {
        if let engine = try await database.engine() { return try PostgresArchive(engine) }
        return try SQLiteArchive(path: path)
    }
}

/// The human form of the archive statistics.
enum StatsText {
    static func render(_ stats: ArchiveStatistics, path: String) -> String {
        var lines = [
            "archive \(path)",
            "  version           \(stats.version)",
            "  defaulter events  \(stats.defaulterEvents) (\(stats.defaulterEntries) listings, \(stats.maskedEvents) with masked IDs, \(stats.maskShapes) mask shapes)",
            "  record events     \(stats.recordEvents) (\(stats.records) records)",
            "  imports           \(stats.imports)",
        ]
        if let last = stats.lastImport {
            lines.append("  last import       #\(last.sequence) \(last.kind) \(last.source): \(last.accepted) accepted, \(last.rejected) rejected, \(ISO8601DateFormatter().string(from: last.importedAt))")
        }
        return lines.joined(separator: "\n")
    }
}
