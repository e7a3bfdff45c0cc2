import ArchiveClient
import SQLiteStorage
import CreditCore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// Runs the real `creditgate` executable (built next to the test bundle by `swift test`).
enum CreditGateExecutable {
    static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("creditgate")
    }

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

@Suite("creditgate archive commands", .serialized)
struct CrashSafeImportTests {
    @Test func killedMidImportLeavesTheArchiveAsItWas() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: CreditGateExecutable.url.path), "build the creditgate product first")
        let folder = TemporaryFiles.url("creditgate-crash")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let archivePath = folder.appendingPathComponent("archive.sqlite").path
        var generator = try SyntheticArchive(seed: 99)
        let small = folder.appendingPathComponent("small.ndjson")
        let large = folder.appendingPathComponent("large.ndjson")
        try generator.writeDefaulters(count: 500, to: small)
        try generator.writeDefaulters(count: 80_000, to: large)

        // The first load into an empty archive runs under a rollback journal: killed, it leaves
        // the archive empty and in WAL mode again.
        try await killMidImport(archivePath: archivePath, feed: large, journal: archivePath + "-journal", threshold: 4 << 20)
        let empty = try await SQLiteArchive(path: archivePath).statistics()
        #expect(empty.version == .empty)
        #expect(empty.defaulterEvents == 0)

        // A first, complete import: version 1.
        let first = try CreditGateExecutable.start(["archive", "import", "--archive", archivePath, small.path])
        #expect(first.waitForExit().status == 0)
        let before = try await SQLiteArchive(path: archivePath).statistics()
        #expect(before.version.sequence == 1)

        for attempt in 0..<2 {
            // Later imports run in WAL mode: kill one once it has written to the WAL.
            try await killMidImport(archivePath: archivePath, feed: large, journal: archivePath + "-wal", threshold: (4 + attempt * 8) << 20)
            let after = try await SQLiteArchive(path: archivePath).statistics()
            #expect(after == before, "attempt \(attempt): the archive changed")
        }

        // The archive still works: the next import lands as version 2.
        let third = folder.appendingPathComponent("third.ndjson")
        try generator.writeDefaulters(count: 100, to: third)
        let report = try await SQLiteArchive(path: archivePath).importDefaulters(from: third, options: .init())
        #expect(report.version.sequence == 2)
        try? FileManager.default.removeItem(at: folder)
    }

    /// Starts an import and kills it with SIGKILL once `journal` (the WAL, or the rollback journal
    /// of a first load) has grown past `threshold` bytes: well before the import ends.
    ///
    /// The watching runs on a thread of its own, not on the cooperative pool: on two cores, other
    /// tests that wait for a child process synchronously can hold the pool long enough for the
    /// import to finish unwatched.
    func killMidImport(archivePath: String, feed: URL, journal: String, threshold: Int) async throws {
        let victim = try CreditGateExecutable.start(["archive", "import", "--archive", archivePath, feed.path])
        let (grown, stillRunning) = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let deadline = Date().addingTimeInterval(120)
                var grown = false
                while Date() < deadline, victim.isAlive {
                    let journalSize = (try? FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) ?? 0
                    let databaseSize = (try? FileManager.default.attributesOfItem(atPath: archivePath)[.size] as? Int) ?? 0
                    // A first load writes pages straight into the file; the journal only proves it began.
                    if journalSize > threshold || (journal.hasSuffix("-journal") && journalSize > 0 && databaseSize > threshold) {
                        grown = true
                        kill(victim.processIdentifier, SIGKILL)
                        break
                    }
                    usleep(5_000)
                }
                let stillRunning = grown || victim.isAlive
                if !grown { kill(victim.processIdentifier, SIGKILL) }
                _ = victim.waitForExit()
                continuation.resume(returning: (grown, stillRunning))
            }
        }
        #expect(stillRunning, "the import finished before it could be killed")
        #expect(grown, "the import never wrote \(threshold) bytes")
        #expect(victim.exit?.signalled == true)
    }

    @Test func generateImportAndStatsCommands() throws {
        let folder = TemporaryFiles.url("creditgate-cli")
        let archivePath = folder.appendingPathComponent("a.sqlite").path
        let generate = try CreditGateExecutable.start(["archive", "generate", "--entries", "300", "--records", "50", "--out", folder.path])
        #expect(generate.waitForExit().status == 0)
        for (kind, file) in [("defaulters", "defaulters.ndjson"), ("records", "records.ndjson")] {
            let run = try CreditGateExecutable.start(["archive", "import", "--kind", kind, "--archive", archivePath, folder.appendingPathComponent(file).path])
            #expect(run.waitForExit().status == 0)
        }
        let output = Pipe()
        let stats = Process()
        stats.executableURL = CreditGateExecutable.url
        stats.arguments = ["archive", "stats", "--json", "--archive", archivePath]
        stats.standardOutput = output
        try stats.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        _ = stats.waitForExit()
        let decoded = try JSONDecoder.iso8601.decode(ArchiveStatistics.self, from: data)
        #expect(decoded.imports == 2)
        #expect(decoded.records == 50)
        #expect(decoded.defaulterEntries == 300)
        try? FileManager.default.removeItem(at: folder)
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
