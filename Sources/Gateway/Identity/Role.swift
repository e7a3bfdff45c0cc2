/// What a client may do. A client holds one or more roles; `admin` may do everything.
package enum Role: String, Codable, Sendable, CaseIterable, Hashable {
    /// Exam bureaus and HR systems: checks, batches, dispositions.
    case bureau
    /// Whoever feeds the archive: imports and archive records.
    case archivist
    /// Reads the audit log and any stored check.
    case auditor
    case admin
}
