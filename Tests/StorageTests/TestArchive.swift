import ArchiveClient
import CreditCore
import Foundation
import TestSupport
import SQLiteStorage

/// A fresh archive on a backend, a temporary folder for feeds, and helpers to write feeds into it.
struct TestArchive {
    let folder: URL
    let fixture: StorageFixture
    let archive: any ArchiveStore

    init(_ backend: StorageBackend = .sqlite) async throws {
        fixture = try await StorageFixture.make(backend)
        folder = fixture.folder
        archive = try await fixture.archive()
    }

    /// The same archive opened again: another writer, or another gateway reading it.
    func reopen() async throws -> any ArchiveStore { try await fixture.archive() }

    func file(_ name: String, _ text: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    func file(_ name: String, bytes: Data) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try bytes.write(to: url)
        return url
    }

    static func candidate(_ name: String, _ id: String) throws -> Candidate {
        Candidate(name: NormalisedName(name), id: try ResidentID(id, today: ChinaTime.today))
    }

    static func day(_ text: String) throws -> AsOf { AsOf(day: try CalendarDay(parsing: text)) }
}

extension Findings {
    var defaulterMatches: [(MatchKind, DefaulterHistory.Status, String)] {
        hits.compactMap {
            if case .defaulter(let match, let state) = $0 { return (match, state.status, state.entry.caseNumber.normalised) }
            return nil
        }
    }

    var records: [RecordHistory.State] {
        hits.compactMap { if case .record(let state) = $0 { return state } else { return nil } }
    }
}
