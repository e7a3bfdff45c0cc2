@testable import ArchiveClient
@testable import SQLiteStorage
import CreditCore
import Foundation
import GRDB
import Testing

/// An NDJSON feed is parsed in blocks on several threads (`ImportPipeline`); these feeds span
/// several blocks, so blocks finish out of order and must still reach the archive in file order.
@Suite("NDJSON import on several threads")
struct ParallelImportTests {
    static let listings = 15_000

    /// The feed's lines (about 9 MB: three blocks of the reader's 4 MB chunks) and its people.
    static func feed(in t: TestArchive) throws -> (lines: [String], people: [Candidate]) {
        let url = t.folder.appendingPathComponent("synthetic.ndjson")
        var generator = try SyntheticArchive(seed: 11)
        try generator.writeDefaulters(count: listings, to: url)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        var again = try SyntheticArchive(seed: 11)
        let people = (0..<listings).map { _ in again.listing() }.enumerated().filter { $0.offset % 97 == 0 }
            .map { Candidate(name: NormalisedName($0.element.person.name), id: $0.element.person.id) }
        return (lines, people)
    }

    @Test func blocksReachTheArchiveInFileOrder() async throws {
        let t = try await TestArchive()
        let (lines, people) = try Self.feed(in: t)
        #expect(lines.joined(separator: "\n").utf8.count > 2 * (4 << 20))
        // The same lines as one JSON array, which the reading thread parses alone, in order.
        let serial = try SQLiteArchive(path: t.folder.appendingPathComponent("serial.sqlite").path)
        let array = try t.file("feed.json", "[\n" + lines.joined(separator: ",\n") + "\n]")
        let parallelReport = try await t.archive.importDefaulters(from: try t.file("feed.ndjson", lines.joined(separator: "\n") + "\n"), options: .init())
        let serialReport = try await serial.importDefaulters(from: array, options: .init())
        #expect(parallelReport.rejected == 0)
        #expect(parallelReport.accepted == lines.count)
        #expect(serialReport.accepted == lines.count)

        let columns = "SELECT id, op, effective_day, entry_key, match_key FROM defaulter_events ORDER BY id"
        let parallelRows = try DatabaseQueue(path: t.folder.appendingPathComponent("archive.sqlite").path).read { try Row.fetchAll($0, sql: columns) }
        let serialRows = try DatabaseQueue(path: t.folder.appendingPathComponent("serial.sqlite").path).read { try Row.fetchAll($0, sql: columns) }
        #expect(parallelRows.count == serialRows.count)
        #expect(Self.firstDifference(parallelRows, serialRows) == nil)
        for day in ["2019-06-30", "2026-11-01"] {
            let fromParallel = try await t.archive.lookup(people, asOf: try TestArchive.day(day))
            let fromSerial = try await serial.lookup(people, asOf: try TestArchive.day(day))
            #expect(Self.firstDifference(fromParallel.findings, fromSerial.findings) == nil)
            #expect(fromParallel.findings.contains { !$0.hits.isEmpty })
        }
    }

    @Test func strictImportStopsEveryThreadAndLeavesTheArchiveAsItWas() async throws {
        let t = try await TestArchive()
        var (lines, _) = try Self.feed(in: t)
        let original = lines[lines.count - 100]
        lines[lines.count - 100] = "{\"iname\": broken"
        let feed = try t.file("strict.ndjson", lines.joined(separator: "\n") + "\n")
        let error = await #expect(throws: StrictImportError.self) {
            try await t.archive.importDefaulters(from: feed, options: .init(strict: true))
        }
        #expect(error?.issue.line == lines.count - 99)
        let stats = try await t.archive.statistics()
        #expect(stats.defaulterEvents == 0)
        #expect(stats.version == .empty)
        // The parsers have stopped: the same archive imports the feed once the line is mended.
        lines[lines.count - 100] = original
        let report = try await t.archive.importDefaulters(from: try t.file("mended.ndjson", lines.joined(separator: "\n")), options: .init())
        #expect(report.accepted == lines.count)
    }

    /// Where two long lists first differ (a failure names one place, not two lists of thousands).
    static func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> Int? {
        zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset
    }

    @Test func badLinesKeepTheirNumbersAcrossBlocks() async throws {
        let t = try await TestArchive()
        var (lines, _) = try Self.feed(in: t)
        // Every 4,000th line broken, a blank line and CRLF endings here and there, no final line feed.
        var bad: [Int] = []
        for index in stride(from: 3_999, to: lines.count, by: 4_000) {
            lines[index] = "{\"iname\": broken"
            bad.append(index + 1)
        }
        lines.insert("", at: 10_000)
        bad = bad.map { $0 > 10_000 ? $0 + 1 : $0 }
        for index in stride(from: 5, to: lines.count, by: 7) where !lines[index].isEmpty { lines[index] += "\r" }
        let report = try await t.archive.importDefaulters(from: try t.file("dirty.ndjson", lines.joined(separator: "\n")), options: .init())
        #expect(report.issues.map(\.line) == bad)
        #expect(Set(report.issues.map(\.code)) == ["feed.syntax"])
        #expect(report.rejected == bad.count)
        #expect(report.accepted == lines.count - bad.count - 1)
    }
}
