import CreditCore
import Foundation

/// One change to one dishonesty record made by a person (an archivist through the API or the
/// command line) rather than by a feed.
///
/// A change is written as a one-line record feed and imported strictly, so it is validated by the
/// feed's own rules (``RecordFeed``: one rule set, not two), is an event of its own (history kept,
/// as-of reads unchanged) and makes a new archive version. The line carries a change id, so two
/// identical changes made on purpose are two events, not a repeated import.
///
/// ```swift
/// let change = RecordChange(operation: .revoke, recordID: "REC-1", fields: ["opDate": "2026-12-01"])
/// let report = try await archive.apply(change, in: scratchFolder, source: "archivist-1")
/// ```
public struct RecordChange: Sendable {
    public var operation: RecordOperation
    public var recordID: String
    /// Feed fields besides `recordId` and `op`, by their feed names (`name`, `idNumber`, `opDate` ...).
    public var fields: [String: String]
    public var changeID: String

    public init(operation: RecordOperation, recordID: String, fields: [String: String], changeID: String = UUID().uuidString.lowercased()) {
        self.operation = operation
        self.recordID = recordID
        self.fields = fields
        self.changeID = changeID
    }

    /// The feed line: compact JSON with sorted keys.
    public var line: Data {
        var object: [String: String] = fields
        object["recordId"] = recordID
        object["op"] = operation.rawValue
        object["changeId"] = changeID
        var data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

extension ArchiveStore {
    /// Imports one change strictly, from a file written under `folder` and removed afterwards. A
    /// line the feed's rules refuse throws ``StrictImportError`` naming the field; the archive is
    /// then unchanged. The file holds a full ID number, so only its owner may read it while it lasts.
    public func apply(_ change: RecordChange, in folder: URL, source: String, today: CalendarDay? = nil) async throws -> ImportReport {
        let file = folder.appendingPathComponent("change-\(change.changeID).ndjson")
        guard FileManager.default.createFile(atPath: file.path, contents: change.line, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        defer { try? FileManager.default.removeItem(at: file) }
        return try await importRecords(from: file, options: ImportOptions(strict: true, format: .ndjson, sourceName: source, today: today))
    }
}
