import Foundation
import GatewayAPI
import Synchronization
import Testing

/// What clients under load saw: each status's count, and every answer given.
final class SeenAnswers: Sendable {
    let state = Mutex<(answers: [String: Components.Schemas.CheckResult], statuses: [Int: Int])>(([:], [:]))

    var answerCount: Int { state.withLock { $0.answers.count } }

    func record(_ status: Int, _ answer: Components.Schemas.CheckResult?) {
        state.withLock { state in
            state.statuses[status, default: 0] += 1
            if let answer { state.answers[answer.checkId] = answer }
        }
    }
}

/// Polls `condition` every 100 ms until it holds; fails the test when `seconds` pass first.
func waitFor(seconds: Int = 120, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("waited \(seconds) s in vain")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(100))
    }
}
