import CreditCore
import Foundation

/// What an import did.
public struct ImportReport: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable { case defaulters, records }

    public var kind: Kind
    /// The archive version the import created (or, for a repeated file, the one that first brought it).
    public var version: ArchiveVersion
    public var format: String
    /// The text encoding of a CSV feed.
    public var encoding: String?
    public var accepted: Int
    public var rejected: Int
    /// The first rejected lines (at most ``ImportOptions/maxReportedIssues``), each with its reason.
    public var issues: [ImportIssue]
    /// True when the same bytes had been imported before: nothing changed.
    public var alreadyImported: Bool
    public var seconds: Double

    package init(
        kind: Kind, version: ArchiveVersion, format: String, encoding: String?, accepted: Int, rejected: Int, issues: [ImportIssue],
        alreadyImported: Bool, seconds: Double
    ) {
        self.kind = kind
        self.version = version
        self.format = format
        self.encoding = encoding
        self.accepted = accepted
        self.rejected = rejected
        self.issues = issues
        self.alreadyImported = alreadyImported
        self.seconds = seconds
    }
}

/// A line the importer refused. The reason never quotes an ID number.
public struct ImportIssue: Error, Sendable, Codable, Hashable, CustomStringConvertible {
    public var line: Int
    /// The field at fault, when one is.
    public var field: String?
    /// Stable machine-readable code: `feed.syntax`, `feed.missing`, `feed.value`, or an identifier
    /// error code such as `id.checksum`.
    public var code: String
    public var reason: String

    public var description: String {
        "line \(line)\(field.map { " [\($0)]" } ?? ""): \(code): \(reason)"
    }
}

public struct ImportOptions: Sendable {
    /// Refuse the whole file if any line is bad (default: import the good lines, report the bad).
    public var strict: Bool
    /// The feed's format; detected from the extension or content when `nil`.
    public var format: FeedFormat?
    /// A name for the source recorded with the import (defaults to the file name).
    public var sourceName: String?
    public var maxReportedIssues: Int
    /// The day IDs' birth dates may not exceed (China time today by default).
    public var today: CalendarDay?

    public init(strict: Bool = false, format: FeedFormat? = nil, sourceName: String? = nil, maxReportedIssues: Int = 1000, today: CalendarDay? = nil) {
        self.strict = strict
        self.format = format
        self.sourceName = sourceName
        self.maxReportedIssues = maxReportedIssues
        self.today = today
    }
}

/// Thrown by a strict import at the first bad line; the archive is unchanged.
public struct StrictImportError: Error, Sendable, CustomStringConvertible {
    public var issue: ImportIssue
    public var description: String { "strict import refused: \(issue)" }

    package init(issue: ImportIssue) { self.issue = issue }
}

