/// A parser of outside bytes, driven by the fuzzer. `run` must never crash, trap or leak on any
/// input; where a parse has a property that must hold (a parsed value prints back to what was read,
/// say), `run` checks it with `expect`, so a wrong answer is a finding as a crash is.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable ([UInt8]) -> Void

    static let all: [FuzzTarget] =
        IdentifierTargets.all + FeedTargets.all + ClientTargets.all + AttestationTargets.all + GatewayTargets.all
}

/// A property that failed: the fuzzer records the input that broke it as a crash.
func expect(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
