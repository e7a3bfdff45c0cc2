import Foundation
import Storage
import Testing

/// Answers and dispositions, the same on every backend.
@Suite("Answer store")
struct AnswerStoreTests {
    static func answer(_ n: Int, client: String = "bureau-1") -> StoredAnswer {
        StoredAnswer(checkID: "chk_\(n)", clientID: client, answer: Data("{\"checkId\":\"chk_\(n)\",\"name\":\"张三\"}".utf8),
                     receipt: Data("{\"logIndex\":\(n)}".utf8))
    }

    @Test(arguments: StorageBackend.allCases)
    func answersAreStoredExactlyAsGiven(_ backend: StorageBackend) async throws {
        let store = try await StorageFixture.make(backend).answers()
        let answers = (0..<500).map { Self.answer($0, client: "bureau-\($0 % 3)") }
        // Saved concurrently, as checks arriving at once are.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slice in stride(from: 0, to: answers.count, by: 50) {
                group.addTask { try await store.save(Array(answers[slice..<(slice + 50)])) }
            }
            try await group.waitForAll()
        }
        for n in [0, 1, 249, 499] {
            let stored = try #require(try await store.answer("chk_\(n)"))
            #expect(stored.answer == answers[n])
            #expect(stored.dispositions.isEmpty)
        }
        #expect(try await store.answer("chk_missing") == nil)
        await #expect(throws: (any Error).self, "an answer is stored once") { try await store.save([Self.answer(7)]) }
    }

    @Test(arguments: StorageBackend.allCases)
    func concurrentDispositionsAreNumberedOneByOne(_ backend: StorageBackend) async throws {
        let store = try await StorageFixture.make(backend).answers()
        try await store.save([Self.answer(1)])
        let recorded = try await withThrowingTaskGroup(of: Data.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await store.addDisposition(checkID: "chk_1") { sequence in
                        // Another writer's turn would come here if numbers were not serialised.
                        await Task.yield()
                        return Data("{\"sequence\":\(sequence)}".utf8)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let expected = (1...50).map { Data("{\"sequence\":\($0)}".utf8) }
        #expect(Set(recorded) == Set(expected))
        #expect(try await store.answer("chk_1")?.dispositions == expected)
    }

    @Test(arguments: StorageBackend.allCases)
    func aDispositionWhoseRecordFailsIsNotStoredAndItsNumberIsReused(_ backend: StorageBackend) async throws {
        struct AuditDown: Error {}
        let store = try await StorageFixture.make(backend).answers()
        try await store.save([Self.answer(2)])
        await #expect(throws: AuditDown.self) {
            try await store.addDisposition(checkID: "chk_2") { _ in throw AuditDown() }
        }
        #expect(try await store.answer("chk_2")?.dispositions == [])
        let first = try await store.addDisposition(checkID: "chk_2") { Data("{\"sequence\":\($0)}".utf8) }
        #expect(first == Data(#"{"sequence":1}"#.utf8))
    }

    /// A batch job's answers are stored in its results, not here; their dispositions are.
    @Test(arguments: StorageBackend.allCases)
    func aJobsCheckTakesDispositionsWithoutItsAnswerHere(_ backend: StorageBackend) async throws {
        let store = try await StorageFixture.make(backend).answers()
        #expect(try await store.dispositions("chk_job").isEmpty)
        for _ in 0..<2 { _ = try await store.addDisposition(checkID: "chk_job") { Data("{\"sequence\":\($0)}".utf8) } }
        #expect(try await store.dispositions("chk_job") == [Data(#"{"sequence":1}"#.utf8), Data(#"{"sequence":2}"#.utf8)])
        #expect(try await store.answer("chk_job") == nil)
    }
}
