import Foundation

/// What a batch run has done so far, kept next to the results file (`results.csv.credit-batch.json`)
/// and written (synced) before every step that the server could act on, so that an interrupted
/// run resumes without losing a row or checking one twice:
///
/// - a part's idempotency key is saved before its upload starts: sent again, the gateway answers
///   the job it made the first time (if it made one) instead of starting another;
/// - the job's id is saved once the gateway accepted it;
/// - `resultsBytes` is the length of the results file after the last part written: a resumed run
///   cuts the file there and goes on with the next part.
package struct BatchState: Codable, Sendable, Equatable {
    package struct Terms: Codable, Sendable, Equatable {
        package var purpose: String
        package var recruitmentId: String
        package var consentReference: String
        package var policy: String?
        package var asOf: String?
        package var `operator`: String?

        package init(purpose: String, recruitmentId: String, consentReference: String, policy: String?, asOf: String?, operator: String?) {
            self.purpose = purpose
            self.recruitmentId = recruitmentId
            self.consentReference = consentReference
            self.policy = policy
            self.asOf = asOf
            self.operator = `operator`
        }
    }

    package struct Part: Codable, Sendable, Equatable {
        package var key: String
        package var batchId: String?
        /// Set once the part's rows are in the results file.
        package var counts: Counts?
    }

    package struct Counts: Codable, Sendable, Equatable {
        package var clear = 0, review = 0, ineligible = 0, refused = 0
        package init() {}
    }

    /// The SHA-256 of the candidate file: a run resumes only on the same file.
    package var input: String
    package var terms: Terms
    package var partSize: Int
    package var parts: [Part]
    package var resultsBytes: Int

    package static func file(for output: URL) -> URL {
        output.deletingLastPathComponent().appendingPathComponent(output.lastPathComponent + ".credit-batch.json")
    }

    package static func load(for output: URL) throws -> BatchState? {
        guard let data = try? Data(contentsOf: file(for: output)) else { return nil }
        do { return try JSONDecoder().decode(BatchState.self, from: data) } catch {
            throw UsageError("\(file(for: output).path) is not a batch state file; remove it to start again")
        }
    }

    /// Writes and syncs the state (through a temporary file, renamed: never half written).
    package func save(for output: URL) throws {
        let target = Self.file(for: output)
        let temporary = target.deletingLastPathComponent().appendingPathComponent("." + target.lastPathComponent + ".tmp")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: temporary)
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    package static func remove(for output: URL) {
        try? FileManager.default.removeItem(at: file(for: output))
    }
}
