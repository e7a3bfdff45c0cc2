import ArchiveClient
import CreditCore
import Foundation
import Testing

/// What the generator writes imports cleanly and is found again.
@Suite("Synthetic feeds imported")
struct SyntheticFeedImportTests {
    @Test(arguments: StorageBackend.allCases)
    func generatedFeedsImportCleanlyAndHit(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
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
