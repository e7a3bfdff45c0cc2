import CreditCore
import Foundation

/// The archive: the one way anything reads or writes judgment-defaulter listings and dishonesty
/// records.
///
/// Implementations keep **all history** (nothing is updated in place or deleted) so any past state
/// can be reconstructed, and every read reports the ``ArchiveVersion`` it saw. ``SQLiteArchive`` is
/// the embedded default; a shared PostgreSQL engine implements the same protocol, so callers never
/// change.
///
/// ```swift
/// let archive = try SQLiteArchive(path: "archive.sqlite")
/// let report = try await archive.importDefaulters(from: feedURL, options: .init())
/// let lookup = try await archive.lookup([candidate], asOf: .day(try CalendarDay(parsing: "2026-03-01")))
/// lookup.findings[0].hits  // listings and records found, as of that day
/// ```
public protocol ArchiveStore: Sendable {
    /// The latest archive version.
    func version() async throws -> ArchiveVersion

    /// Finds hits for many candidates in one read: one snapshot, one version, no per-candidate hop.
    func lookup(_ candidates: [Candidate], asOf: AsOf) async throws -> ArchiveLookup

    /// Imports a defaulter feed (NDJSON, JSON array or CSV) in one transaction.
    func importDefaulters(from file: URL, options: ImportOptions) async throws -> ImportReport

    /// Imports dishonesty records and their repair events (NDJSON or CSV) in one transaction.
    func importRecords(from file: URL, options: ImportOptions) async throws -> ImportReport

    /// Counts and the last import.
    func statistics() async throws -> ArchiveStatistics

    /// The import history, newest first: at most `limit` imports with a sequence below `before`
    /// (all when `nil`). Public: it names sources and counts, never a person.
    func imports(before: Int64?, limit: Int) async throws -> [ImportSummary]

    /// What import `sequence` touched (``ImportTouch``); throws when there is no such import.
    func touched(bySequence sequence: Int64) async throws -> ImportTouch

    /// The mask shapes of the archive's masked listings (``ImportTouch/shapes``, without an import).
    func maskShapes() async throws -> [UInt32]

    /// The taxonomy record categories are checked against (and labelled by).
    var taxonomy: Taxonomy { get }

    /// Every event of one dishonesty record, as of the latest version; `nil` when the archive has
    /// never held the record. Single-record changes read it first (``RecordChange``).
    func recordHistory(recordID: String) async throws -> RecordHistory?

    /// Loads what lookups keep in memory, if anything, so that a server pays for it before it
    /// listens rather than in its first answer.
    func prepareLookups() async throws
}

extension ArchiveStore {
    public func prepareLookups() async throws {}

    /// Imports a feed of either kind: the command line and the gateway's upload both name the kind.
    public func importFeed(_ kind: ImportReport.Kind, from file: URL, options: ImportOptions) async throws -> ImportReport {
        switch kind {
        case .defaulters: try await importDefaulters(from: file, options: options)
        case .records: try await importRecords(from: file, options: options)
        }
    }
}

/// Which archive state a lookup reads.
public struct AsOf: Sendable, Hashable {
    /// Only events effective on or before this China-time day count.
    public var day: CalendarDay
    /// When set, only events from imports up to this sequence number count, so an answer given at
    /// archive version N can be reproduced exactly later, whatever was imported since.
    public var archiveSequence: Int64?

    public init(day: CalendarDay, archiveSequence: Int64? = nil) {
        self.day = day
        self.archiveSequence = archiveSequence
    }

    public static func day(_ day: CalendarDay) -> AsOf { AsOf(day: day) }
}

/// A person to screen: a validated ID and a normalised name.
public struct Candidate: Sendable, Hashable {
    public var name: NormalisedName
    public var id: ResidentID

    public init(name: NormalisedName, id: ResidentID) {
        self.name = name
        self.id = id
    }
}

/// What one candidate's lookup found: the hits as of the day asked, and the whole histories they
/// were folded from (every listing found under the candidate's keys, every record under the
/// candidate's ID), which the person's file (一人一档) shows.
public struct Findings: Sendable, Hashable {
    public var hits: [Hit]
    public var listings: [DefaulterHistory]
    public var records: [RecordHistory]

    package init(hits: [Hit], listings: [DefaulterHistory] = [], records: [RecordHistory] = []) {
        self.hits = hits
        self.listings = listings
        self.records = records
    }
}

/// The result of a lookup: per-candidate findings in input order, and the version read.
public struct ArchiveLookup: Sendable {
    public var version: ArchiveVersion
    public var findings: [Findings]

    package init(version: ArchiveVersion, findings: [Findings]) {
        self.version = version
        self.findings = findings
    }
}

/// A point in the archive's history: the import sequence number and the SHA-256 of that import's
/// bytes. Sequence 0 with an empty hash is the empty archive.
public struct ArchiveVersion: Sendable, Hashable, Codable, CustomStringConvertible {
    public var sequence: Int64
    public var contentHash: String

    public init(sequence: Int64, contentHash: String) {
        self.sequence = sequence
        self.contentHash = contentHash
    }

    public static let empty = ArchiveVersion(sequence: 0, contentHash: "")

    /// `42:sha256:ab12...` (the hash shortened to 16 hex digits for people).
    public var description: String {
        sequence == 0 ? "0:empty" : "\(sequence):sha256:\(contentHash.prefix(16))"
    }
}

public struct ArchiveStatistics: Sendable, Codable, Hashable {
    public var version: ArchiveVersion
    public var defaulterEvents: Int
    public var defaulterEntries: Int
    public var maskedEvents: Int
    public var recordEvents: Int
    public var records: Int
    public var imports: Int
    public var maskShapes: Int
    public var lastImport: ImportSummary?

    package init(
        version: ArchiveVersion, defaulterEvents: Int, defaulterEntries: Int, maskedEvents: Int, recordEvents: Int, records: Int,
        imports: Int, maskShapes: Int, lastImport: ImportSummary?
    ) {
        self.version = version
        self.defaulterEvents = defaulterEvents
        self.defaulterEntries = defaulterEntries
        self.maskedEvents = maskedEvents
        self.recordEvents = recordEvents
        self.records = records
        self.imports = imports
        self.maskShapes = maskShapes
        self.lastImport = lastImport
    }
}

public struct ImportSummary: Sendable, Codable, Hashable {
    public var sequence: Int64
    public var kind: String
    public var source: String
    public var contentHash: String
    public var importedAt: Date
    public var accepted: Int
    public var rejected: Int

    package init(sequence: Int64, kind: String, source: String, contentHash: String, importedAt: Date, accepted: Int, rejected: Int) {
        self.sequence = sequence
        self.kind = kind
        self.source = source
        self.contentHash = contentHash
        self.importedAt = importedAt
        self.accepted = accepted
        self.rejected = rejected
    }
}
