import CreditCore
import Foundation

/// What an import has taken from its ``ImportPipeline`` so far, the same for every backend: the
/// feed's format, the lines accepted and rejected, the issues to report, and at the end the
/// content hash that names the import.
///
/// ```swift
/// var tally = ImportTally()
/// while !tally.isFinished {
///     for line in try tally.take(pipeline.receive(), options: options) { try store(line) }
/// }
/// ```
package struct ImportTally: Sendable {
    package private(set) var format = FeedFormat.ndjson
    package private(set) var encoding: CSV.Encoding?
    package private(set) var accepted = 0
    package private(set) var rejected = 0
    package private(set) var issues: [ImportIssue] = []
    package private(set) var contentHash: String?

    package init() {}

    package var isFinished: Bool { contentHash != nil }

    /// Takes one message; returns the encoded lines it carried, to be stored. A bad line is
    /// counted and reported, or, strict, refuses the import (``StrictImportError``).
    package mutating func take<Encoded>(_ message: ImportPipeline<Encoded>.Message, options: ImportOptions) throws -> [Encoded] {
        switch message {
        case .opened(let opened, let csvEncoding):
            format = opened
            encoding = csvEncoding
            return []
        case .items(let items):
            var encoded: [Encoded] = []
            encoded.reserveCapacity(items.count)
            for item in items {
                switch item {
                case .encoded(let line):
                    encoded.append(line)
                case .issue(let issue):
                    if options.strict { throw StrictImportError(issue: issue) }
                    rejected += 1
                    if issues.count < options.maxReportedIssues { issues.append(issue) }
                }
            }
            accepted += encoded.count
            return encoded
        case .finished(let hash):
            contentHash = hash
            return []
        case .failed(let error):
            throw error
        }
    }

    /// The report of a finished import that created archive version `sequence`.
    package func report(_ kind: ImportReport.Kind, sequence: Int64, seconds: Double) -> ImportReport {
        ImportReport(
            kind: kind, version: ArchiveVersion(sequence: sequence, contentHash: contentHash ?? ""), format: format.rawValue,
            encoding: encoding?.rawValue, accepted: accepted, rejected: rejected, issues: issues, alreadyImported: false, seconds: seconds)
    }
}

extension ImportPipeline {
    /// The next message, waited for on a thread of Dispatch's rather than one of Swift's few
    /// cooperative threads (for a store whose writes are `async`).
    package func next() async -> Message {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.receive()) }
        }
    }
}

/// Thrown inside an import's transaction to roll it back when the same bytes were imported before.
package struct AlreadyImported: Error {
    package var sequence: Int64
    package var hash: String
    package var format: String

    package init(sequence: Int64, hash: String, format: String) {
        self.sequence = sequence
        self.hash = hash
        self.format = format
    }

    /// What the import reports: nothing changed, and the version that first brought these bytes.
    package func report(_ kind: ImportReport.Kind, seconds: Double) -> ImportReport {
        ImportReport(
            kind: kind, version: ArchiveVersion(sequence: sequence, contentHash: hash), format: format, encoding: nil, accepted: 0,
            rejected: 0, issues: [], alreadyImported: true, seconds: seconds)
    }
}
