import Foundation
import Storage
import Testing
import TestSupport

/// Batch jobs: input and results in the store, leases, each line once; the same on every backend.
@Suite("Batch job store")
struct BatchJobStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// An upload of `count` candidate lines, with blank lines and CRLF endings among them.
    static func upload(_ count: Int) throws -> URL {
        let file = TemporaryFiles.url("upload", extension: "ndjson")
        var text = ""
        for n in 0..<count {
            text += "{\"name\":\"张三\",\"idNumber\":\"line-\(n)\"}" + (n % 7 == 0 ? "\r\n\r\n" : "\n")
        }
        try Data(text.utf8).write(to: file)
        return file
    }

    static func job(_ id: String, total: Int, key: String? = nil, digest: String = "sha-256=:a:") -> BatchJobRecord {
        BatchJobRecord(id: id, clientID: "bureau-1", fingerprint: "ab12", termsJSON: Data(#"{"policy":"civil-service-2026"}"#.utf8),
                       total: total, createdAt: t0, idempotency: key.map { .init(key: $0, requestDigest: digest) })
    }

    @Test(arguments: StorageBackend.allCases)
    func inputIsStoredInChunksOfLinesAndReadBack(_ backend: StorageBackend) async throws {
        let store = try await StorageFixture.make(backend).batchJobs()
        let count = BatchJobRecord.chunkLines * 2 + 17
        #expect(try await store.create(Self.job("bat_1", total: count), input: try Self.upload(count)) == nil)
        var lines: [String] = []
        for chunk in 0..<4 {
            lines += try await store.input("bat_1", chunk: chunk).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(lines == (0..<count).map { "{\"name\":\"张三\",\"idNumber\":\"line-\($0)\"}" })
        #expect(try await store.input("bat_1", chunk: 0).count == BatchJobRecord.chunkLines)
        #expect(try await store.job("bat_1") == Self.job("bat_1", total: count))
        #expect(try await store.job("bat_none") == nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func theSameIdempotencyKeyAnswersTheFirstJob(_ backend: StorageBackend) async throws {
        let store = try await StorageFixture.make(backend).batchJobs()
        let first = Self.job("bat_1", total: 3, key: "run-1")
        #expect(try await store.create(first, input: try Self.upload(3)) == nil)
        let again = try await store.create(Self.job("bat_2", total: 3, key: "run-1", digest: "other"), input: try Self.upload(3))
        #expect(again == first)
        #expect(try await store.job("bat_2") == nil)
        #expect(try await store.input("bat_2", chunk: 0).isEmpty)
    }

    @Test(arguments: StorageBackend.allCases)
    func aLeaseIsHeldUntilItExpiresThenAnotherGatewayFinishesTheJob(_ backend: StorageBackend) async throws {
        let fixture = try await StorageFixture.make(backend)
        let one = try await fixture.batchJobs()
        let two = try await fixture.batchJobs()
        let total = BatchJobRecord.chunkLines * 3
        _ = try await one.create(Self.job("bat_1", total: total), input: try Self.upload(total))
        var job = try #require(try await one.claim(owner: "gw-1", now: Self.t0, until: Self.t0 + 30))
        #expect(job.status == .running)
        #expect(try await two.claim(owner: "gw-2", now: Self.t0 + 10, until: Self.t0 + 40) == nil, "the lease is live")

        job.done = BatchJobRecord.chunkLines
        job.nextChunk = 1
        job.counts.clear = job.done
        job.resultsBytes = 6
        try await one.commit(job, chunk: 0, results: Data("first\n".utf8), checks: [], owner: "gw-1", until: Self.t0 + 60)
        #expect(try await two.claim(owner: "gw-2", now: Self.t0 + 45, until: Self.t0 + 75) == nil, "each commit renews the lease")
        // A chunk that takes its time renews the lease without committing; only the holder can.
        try await one.renew("bat_1", owner: "gw-1", until: Self.t0 + 60)
        await #expect(throws: BatchLeaseLost.self, "only the holder renews") {
            try await two.renew("bat_1", owner: "gw-2", until: Self.t0 + 500)
        }

        // gw-1 dies; once its lease has run out gw-2 takes the job where it was committed.
        var taken = try #require(try await two.claim(owner: "gw-2", now: Self.t0 + 61, until: Self.t0 + 91))
        #expect(taken.nextChunk == 1 && taken.done == BatchJobRecord.chunkLines && taken.counts.clear == BatchJobRecord.chunkLines)
        await #expect(throws: BatchLeaseLost.self, "the old holder can no longer commit") {
            try await one.commit(job, chunk: 1, results: Data("stale\n".utf8), checks: [BatchCheck(checkID: "chk_stale", line: 0)],
                                 owner: "gw-1", until: Self.t0 + 90)
        }
        #expect(try await one.answer("chk_stale") == nil, "nothing of a refused commit is written")
        for chunk in 1..<3 {
            taken.done += BatchJobRecord.chunkLines
            taken.nextChunk = chunk + 1
            try await two.commit(taken, chunk: chunk, results: Data("line \(chunk)\n".utf8), checks: [], owner: "gw-2", until: Self.t0 + 91)
        }
        taken.status = .finished
        taken.resultsDigest = "sha-256=:x:"
        try await two.finish(taken, owner: "gw-2")

        let finished = try #require(try await one.job("bat_1"))
        #expect(finished.status == .finished && finished.done == total && finished.resultsDigest == "sha-256=:x:")
        var results = Data()
        for chunk in 0..<finished.nextChunk { results += try #require(try await one.results("bat_1", chunk: chunk)) }
        #expect(String(decoding: results, as: UTF8.self) == "first\nline 1\nline 2\n")
        #expect(try await one.results("bat_1", chunk: 3) == nil)
        // Minimisation: the input (full ID numbers) is gone once the job has ended.
        #expect(try await one.input("bat_1", chunk: 0).isEmpty)
        #expect(try await one.claim(owner: "gw-1", now: Self.t0 + 200, until: Self.t0 + 230) == nil)
    }

    /// A job's answers are stored in its result lines only; a check is found by its id on its line.
    @Test(arguments: StorageBackend.allCases)
    func aCommittedChecksAnswerIsFoundOnItsResultLine(_ backend: StorageBackend) async throws {
        let fixture = try await StorageFixture.make(backend)
        let store = try await fixture.batchJobs()
        let total = BatchJobRecord.chunkLines + 3
        _ = try await store.create(Self.job("bat_1", total: total), input: try Self.upload(total))
        var job = try #require(try await store.claim(owner: "gw-1", now: Self.t0, until: Self.t0 + 30))
        job.nextChunk = 1
        try await store.commit(job, chunk: 0, results: Data("{\"a\":1}\n{\"error\":2}\n{\"c\":3}\n".utf8),
                               checks: [BatchCheck(checkID: "chk_a", line: 0), BatchCheck(checkID: "chk_c", line: 2)], owner: "gw-1", until: Self.t0 + 30)
        job.nextChunk = 2
        try await store.commit(job, chunk: 1, results: Data("{\"d\":4}\n".utf8), checks: [BatchCheck(checkID: "chk_d", line: 0)],
                               owner: "gw-1", until: Self.t0 + 30)

        #expect(try await store.answer("chk_a") == BatchAnswer(clientID: "bureau-1", line: Data(#"{"a":1}"#.utf8)))
        #expect(try await store.answer("chk_c") == BatchAnswer(clientID: "bureau-1", line: Data(#"{"c":3}"#.utf8)))
        #expect(try await fixture.batchJobs().answer("chk_d")?.line == Data(#"{"d":4}"#.utf8), "another gateway sharing the store finds it")
        #expect(try await store.answer("chk_b") == nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func aReleasedLeaseIsTakenAtOnceAndJobsGoOldestFirst(_ backend: StorageBackend) async throws {
        let store = try await StorageFixture.make(backend).batchJobs()
        var newer = Self.job("bat_2", total: 1)
        newer.createdAt = Self.t0 + 5
        _ = try await store.create(newer, input: try Self.upload(1))
        _ = try await store.create(Self.job("bat_1", total: 1), input: try Self.upload(1))
        let first = try #require(try await store.claim(owner: "gw-1", now: Self.t0, until: Self.t0 + 30))
        #expect(first.id == "bat_1")
        try await store.release(first.id, owner: "gw-1")
        #expect(try await store.claim(owner: "gw-2", now: Self.t0 + 1, until: Self.t0 + 31)?.id == "bat_1")
        #expect(try await store.claim(owner: "gw-1", now: Self.t0 + 2, until: Self.t0 + 32)?.id == "bat_2")
    }
}
