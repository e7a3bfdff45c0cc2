import ArchiveClient
import CreditCore
import Foundation
import Testing

@Suite("Synthetic archive")
struct SyntheticArchiveTests {
    @Test func sameSeedSameBytes() throws {
        let t = try TestArchive()
        var a = try SyntheticArchive(seed: 42)
        var b = try SyntheticArchive(seed: 42)
        let first = t.folder.appendingPathComponent("a.ndjson")
        let second = t.folder.appendingPathComponent("b.ndjson")
        try a.writeDefaulters(count: 2000, to: first)
        try b.writeDefaulters(count: 2000, to: second)
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        var c = try SyntheticArchive(seed: 43)
        try c.writeDefaulters(count: 2000, to: second)
        #expect(try Data(contentsOf: first) != Data(contentsOf: second))
    }

    @Test func generatedFeedsImportCleanlyAndHit() async throws {
        let t = try TestArchive()
        var generator = try SyntheticArchive(seed: 7)
        var listings: [SyntheticArchive.Listing] = []
        let url = t.folder.appendingPathComponent("d.ndjson")
        try generator.writeDefaulters(count: 3000, to: url)
        let records = t.folder.appendingPathComponent("r.ndjson")
        try generator.writeRecords(count: 500, to: records)
        let report = try await t.archive.importDefaulters(from: url, options: .init())
        #expect(report.rejected == 0)
        #expect(report.accepted > 3000)
        let recordReport = try await t.archive.importRecords(from: records, options: .init())
        #expect(recordReport.rejected == 0)

        // Regenerate the same listings to know what must be found.
        var again = try SyntheticArchive(seed: 7)
        for _ in 0..<3000 { listings.append(again.listing()) }
        let active = listings.filter { $0.finalOperation == .add }
        #expect(Double(active.filter(\.masked).count) / Double(active.count) > 0.6)
        let candidates = active.prefix(300).map { Candidate(name: NormalisedName($0.person.name), id: $0.person.id) }
        let lookup = try await t.archive.lookup(Array(candidates), asOf: try TestArchive.day("2026-11-01"))
        for (listing, findings) in zip(active.prefix(300), lookup.findings) {
            #expect(findings.defaulterMatches.contains { $0.2 == (try? CaseNumber(listing.caseNumber).normalised) && $0.1 == .active },
                    "listing \(listing.caseNumber) not found")
        }
        let stats = try await t.archive.statistics()
        #expect(stats.maskShapes == 2)
        #expect(stats.imports == 2)
    }
}
