import ArchiveClient
import ArgumentParser
import Foundation

/// The README's first command. Until the gateway exists it builds the demo archive (if missing) and
/// shows what is in it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Make a synthetic demo archive if missing (100,000 listings, 10,000 records) and show its statistics."
    )

    @Option(help: "Folder for the demo archive and its feeds.") var dir = "demo"
    @Option(help: "Listings to generate.") var entries = 100_000
    @Option(help: "Records to generate.") var records = 10_000

    func run() async throws {
        let folder = URL(fileURLWithPath: dir, isDirectory: true)
        let archivePath = folder.appendingPathComponent("archive.sqlite").path
        if !FileManager.default.fileExists(atPath: archivePath) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            print("making the demo archive in \(folder.path) ...")
            var generator = try SyntheticArchive(seed: 2026)
            let defaulters = folder.appendingPathComponent("defaulters.ndjson")
            let recordFile = folder.appendingPathComponent("records.ndjson")
            try generator.writeDefaulters(count: entries, to: defaulters)
            try generator.writeRecords(count: records, to: recordFile)
            let store = try SQLiteArchive(path: archivePath)
            for (file, report) in [
                (defaulters, try await store.importDefaulters(from: defaulters, options: .init())),
                (recordFile, try await store.importRecords(from: recordFile, options: .init())),
            ] {
                print(String(format: "  imported %@: %d lines in %.1f s", file.lastPathComponent, report.accepted, report.seconds))
            }
        }
        print(StatsText.render(try await SQLiteArchive(path: archivePath).statistics(), path: archivePath))
    }
}
