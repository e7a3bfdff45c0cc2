import Foundation

/// Batch jobs: each job's terms and progress, its input lines while it runs, and its results.
///
/// Everything lives in the store, not on the disk of the gateway that accepted the job, so any
/// gateway sharing the store can report on a job, serve its results, or finish it.
///
/// **Leases.** A gateway works on a job only while it holds the job's lease (``claim(owner:now:until:)``);
/// each committed chunk renews it. A gateway that dies stops renewing, the lease expires, and
/// another gateway claims the job and resumes after its last committed chunk.
///
/// **Each line once.** A chunk's result lines and the job's progress commit in one transaction,
/// and only while the committer holds the lease, so the results hold every line exactly once
/// whoever finishes the job. (A chunk cut short by a crash is answered again: its first answers
/// stay in the audit log, as every answer given does.)
///
/// **Each answer once.** A job's answers are stored in its result lines only, not in the
/// ``AnswerStore`` as well: a million lines wrote every 2–3 KB answer twice (four times counting
/// each file's write-ahead log). Each chunk's commit also records which line holds which check,
/// and ``answer(_:)`` finds a job's check by its id (`GET /v1/checks/{id}`).
///
/// **Minimisation.** A job's input (full ID numbers) is kept only while the job runs: finishing or
/// failing the job deletes it.
///
/// ```swift
/// if let job = try await jobs.claim(owner: "gw-1", now: .now, until: .now + 30) {
///     let lines = try await jobs.input(job.id, chunk: job.nextChunk)
///     try await jobs.commit(progressed, chunk: job.nextChunk, results: resultLines, owner: "gw-1", until: .now + 30)
/// }
/// ```
public protocol BatchJobStore: Sendable {
    /// Stores a new job and its input, the candidate lines of the NDJSON file `input` (blank lines
    /// skipped) in chunks of ``BatchJobRecord/chunkLines``, in one transaction. When the client
    /// already made a job under the same idempotency key, stores nothing and returns that job.
    func create(_ job: BatchJobRecord, input: URL) async throws -> BatchJobRecord?

    func job(_ id: String) async throws -> BatchJobRecord?

    /// Takes the oldest queued or running job whose lease is free or expired at `now`, for `owner`
    /// until `until`; `nil` when there is none.
    func claim(owner: String, now: Date, until: Date) async throws -> BatchJobRecord?

    /// The candidate lines of one input chunk (empty past the last).
    func input(_ id: String, chunk: Int) async throws -> [Data]

    /// Commits the result lines of input chunk `chunk` with the job's progress (`job`, counted with
    /// that chunk) and the lines' answered checks (`checks`), and renews the lease until `until`.
    /// Throws ``BatchLeaseLost`` when `owner` no longer holds the lease; then nothing is written.
    func commit(_ job: BatchJobRecord, chunk: Int, results: Data, checks: [BatchCheck], owner: String, until: Date) async throws

    /// Records a job's end (finished or failed, with its counts and digest), frees its lease and
    /// deletes its input. Throws ``BatchLeaseLost`` when `owner` no longer holds the lease.
    func finish(_ job: BatchJobRecord, owner: String) async throws

    /// Extends `owner`'s lease until `until` while a chunk takes its time (a job paced beside
    /// interactive checks). Throws ``BatchLeaseLost`` when `owner` no longer holds it.
    func renew(_ id: String, owner: String, until: Date) async throws

    /// Frees a lease without ending the job (a gateway stopping cleanly), so another takes it at once.
    func release(_ id: String, owner: String) async throws

    /// The result lines of one chunk, as committed; `nil` past the last.
    func results(_ id: String, chunk: Int) async throws -> Data?

    /// The committed result line that answered check `checkID`, and the job's client; `nil` when
    /// no job's results hold it.
    func answer(_ checkID: String) async throws -> BatchAnswer?
}

/// A check answered on a line of a job's chunk: `line` counts the chunk's result lines from 0.
public struct BatchCheck: Sendable, Hashable {
    public var checkID: String
    public var line: Int
    public init(checkID: String, line: Int) {
        self.checkID = checkID
        self.line = line
    }
}

/// A job's result line holding one check's answer (its `result`), and the client the job is for.
public struct BatchAnswer: Sendable, Hashable {
    public var clientID: String
    public var line: Data
    public init(clientID: String, line: Data) {
        self.clientID = clientID
        self.line = line
    }

    /// Line `line` of a chunk's result lines (each ended by a line feed); `nil` past the last.
    public static func line(_ line: Int, of results: Data) -> Data? {
        let lines = BatchInputChunks.lines(results)
        // The chunk's last line feed leaves an empty piece after it, which no check is on.
        guard line >= 0, line < lines.count, !lines[line].isEmpty else { return nil }
        return lines[line]
    }
}

/// The lease of a batch job passed to another gateway (this one was too slow to renew it, or was
/// presumed dead): it must stop working on the job.
public struct BatchLeaseLost: Error, CustomStringConvertible {
    public var jobID: String
    public init(jobID: String) { self.jobID = jobID }
    public var description: String { "the lease of batch job \(jobID) is held by another gateway" }
}

/// One batch job as stored.
public struct BatchJobRecord: Sendable, Hashable {
    /// Candidate lines per input chunk: the unit of reading, judging, committing and resuming.
    public static let chunkLines = 2000

    public enum Status: String, Sendable, Hashable {
        case queued, running, finished, failed
    }

    public struct Counts: Sendable, Hashable {
        public var errors = 0, clear = 0, review = 0, ineligible = 0
        public init(errors: Int = 0, clear: Int = 0, review: Int = 0, ineligible: Int = 0) {
            (self.errors, self.clear, self.review, self.ineligible) = (errors, clear, review, ineligible)
        }
    }

    /// The caller's name for the job and the keyed digest of the body it sent, so that the same
    /// request sent again answers this job instead of starting another.
    public struct Idempotency: Sendable, Hashable {
        public var key: String
        public var requestDigest: String
        public init(key: String, requestDigest: String) {
            self.key = key
            self.requestDigest = requestDigest
        }
    }

    public var id: String
    public var clientID: String
    /// The certificate the job was created with.
    public var fingerprint: String
    /// What the job checks with (purpose, policy, as-of day, operator), as JSON: fixed at creation.
    public var termsJSON: Data
    public var status: Status
    /// Candidate lines in the input.
    public var total: Int
    /// Lines answered (or refused as malformed) and committed.
    public var done: Int
    public var counts: Counts
    /// The first input chunk not yet committed.
    public var nextChunk: Int
    public var resultsBytes: Int
    public var createdAt: Date
    public var finishedAt: Date?
    public var failure: String?
    /// `Content-Digest` of all the result lines, once finished.
    public var resultsDigest: String?
    public var idempotency: Idempotency?

    public init(
        id: String, clientID: String, fingerprint: String, termsJSON: Data, status: Status = .queued, total: Int, done: Int = 0,
        counts: Counts = .init(), nextChunk: Int = 0, resultsBytes: Int = 0, createdAt: Date, finishedAt: Date? = nil,
        failure: String? = nil, resultsDigest: String? = nil, idempotency: Idempotency? = nil
    ) {
        self.id = id
        self.clientID = clientID
        self.fingerprint = fingerprint
        self.termsJSON = termsJSON
        self.status = status
        self.total = total
        self.done = done
        self.counts = counts
        self.nextChunk = nextChunk
        self.resultsBytes = resultsBytes
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.failure = failure
        self.resultsDigest = resultsDigest
        self.idempotency = idempotency
    }
}
