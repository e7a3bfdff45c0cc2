import Foundation
import GatewayAPI
import Synchronization
import Testing

/// The tests that load gateways until something breaks (processes killed, the database stopped):
/// they run one after another, because each needs the machine's cores to itself to reach the load
/// it waits for; other tests still run beside them.
@Suite(.serialized)
enum UnderLoad {}

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
func waitFor(seconds: Int = 120, _ what: String = "", _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("waited \(seconds) s in vain \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(100))
    }
}
