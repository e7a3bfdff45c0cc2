import Attestation
import Foundation
import GatewayAPI
import Storage

/// The contract's view of the ``AnswerStore``: answers and dispositions as the generated types,
/// in the JSON the generated server writes.
///
/// An answer is kept as the JSON its audit digest was taken over (the receipt left empty) and the
/// receipt beside it, so the digest can be checked against the stored bytes and each answer is
/// encoded once. A batch job's answers are kept in its result lines instead (``BatchJobStore``),
/// and found there by their check's id.
package struct CheckStore: Sendable {
    let answers: any AnswerStore
    let jobs: any BatchJobStore

    package init(_ answers: any AnswerStore, jobs: any BatchJobStore) {
        self.answers = answers
        self.jobs = jobs
    }

    /// JSON as the generated server writes it (sorted keys, slashes as they are, ``AnswerDates``):
    /// for what is stored with `JSONEncoder`, and for benchmarks that encode answers as the server does.
    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        // The seconds the generated server sends (``AnswerDates``), not `.iso8601`'s rounding.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(CanonicalJSON.iso8601(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    package static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Stores answers; returns once they are committed.
    func save(_ rows: [StoredAnswer]) async throws {
        try await answers.save(rows)
    }

    /// The stored answer, the client it was given to, and its dispositions in order.
    func check(_ id: String) async throws -> (clientID: String, result: Components.Schemas.CheckResult, dispositions: [Components.Schemas.Disposition])? {
        let clientID: String
        var result: Components.Schemas.CheckResult
        let dispositions: [Data]
        if let stored = try await answers.answer(id) {
            clientID = stored.answer.clientID
            result = try Self.decoder.decode(Components.Schemas.CheckResult.self, from: stored.answer.answer)
            result.audit = try Self.decoder.decode(Components.Schemas.AuditReceipt.self, from: stored.answer.receipt)
            dispositions = stored.dispositions
        } else if let answered = try await jobs.answer(id) {
            clientID = answered.clientID
            result = try Self.decoder.decode(JobLine.self, from: answered.line).result
            dispositions = try await answers.dispositions(id)
        } else {
            return nil
        }
        return (clientID, result, try dispositions.map { try Self.decoder.decode(Components.Schemas.Disposition.self, from: $0) })
    }

    /// A job's result line, as far as a stored check needs it.
    private struct JobLine: Decodable {
        var result: Components.Schemas.CheckResult
    }

    /// Stores the disposition `make` returns for the check's next number (see
    /// ``AnswerStore/addDisposition(checkID:_:)``: numbers never collide).
    func addDisposition(
        checkID: String, _ make: @escaping @Sendable (Int) async throws -> Components.Schemas.Disposition
    ) async throws -> Components.Schemas.Disposition {
        let json = try await answers.addDisposition(checkID: checkID) { sequence in try Self.encoder.encode(try await make(sequence)) }
        return try Self.decoder.decode(Components.Schemas.Disposition.self, from: json)
    }
}
