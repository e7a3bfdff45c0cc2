import Foundation

/// Answers given and the dispositions recorded on them.
///
/// Append-only like the rest of the service: an answer is stored once, exactly as sent (a batch
/// job's answers are stored in its results instead, see ``BatchJobStore``); a
/// disposition is a new row numbered after the check's earlier ones, never an update. The audit
/// log holds the durable, tamper-evident record; this store serves `GET /v1/checks/{id}` and
/// dispositions, from any gateway that shares it.
///
/// ```swift
/// try await answers.save([StoredAnswer(checkID: "chk_…", clientID: "bureau-1", answer: json, receipt: receipt)])
/// let stored = try await answers.addDisposition(checkID: "chk_…") { number in try await audited(number) }
/// ```
public protocol AnswerStore: Sendable {
    /// Stores answers; returns once they are committed. Concurrent saves are grouped into one
    /// transaction.
    func save(_ answers: [StoredAnswer]) async throws

    /// The stored answer and its dispositions in order, or `nil` when there is no such check.
    func answer(_ checkID: String) async throws -> StoredCheck?

    /// The dispositions recorded on a check in order, whether its answer is stored here or (a batch
    /// job's) in the job's results (``BatchJobStore/answer(_:)``).
    func dispositions(_ checkID: String) async throws -> [Data]

    /// Stores a disposition under the check's next number (1 for the first).
    ///
    /// `record` is given that number and returns the disposition's JSON (after auditing it), which
    /// is stored and returned. The check's dispositions are serialised from choosing the number to
    /// storing the row, across every writer: two at once never get the same number, and an audited
    /// disposition is never lost to a race. When `record` throws, nothing is stored.
    func addDisposition(checkID: String, _ record: @escaping @Sendable (Int) async throws -> Data) async throws -> Data
}

/// One answer as given: the JSON its audit digest was taken over (the receipt left empty) and the
/// receipt beside it, so the digest can be checked against the stored bytes.
public struct StoredAnswer: Sendable, Hashable {
    public var checkID: String
    public var clientID: String
    public var answer: Data
    public var receipt: Data

    public init(checkID: String, clientID: String, answer: Data, receipt: Data) {
        self.checkID = checkID
        self.clientID = clientID
        self.answer = answer
        self.receipt = receipt
    }
}

/// A stored answer with the dispositions recorded on it, oldest first.
public struct StoredCheck: Sendable, Hashable {
    public var answer: StoredAnswer
    public var dispositions: [Data]

    public init(answer: StoredAnswer, dispositions: [Data]) {
        self.answer = answer
        self.dispositions = dispositions
    }
}
