import ArchiveClient
import CreditCore
import Foundation
import TestSupport

/// A fresh archive in a temporary folder, and helpers to write feeds into it.
struct TestArchive {
    let folder: URL
    let archive: SQLiteArchive

    init() throws {
        folder = TemporaryFiles.url("creditgate-tests")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        archive = try SQLiteArchive(path: folder.appendingPathComponent("archive.sqlite").path)
    }

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
        Candidate(name: NormalisedName(name), id: try ResidentID(id))
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
