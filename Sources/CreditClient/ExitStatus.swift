/// The client's exit codes, documented in `credit --help` and the README, so scripts can branch
/// on the outcome without parsing text.
package enum ExitStatus: Int32, CaseIterable, Sendable {
    /// CLEAR; for other commands: done, everything verified.
    case clear = 0
    /// REVIEW: a person must look at the evidence.
    case review = 10
    /// INELIGIBLE: a recommendation a person must confirm.
    case ineligible = 11
    /// A batch finished, but some rows could not be checked (bad rows, refused rows).
    case rowsRefused = 12
    /// A receipt, signature, proof or checkpoint did not verify.
    case unverified = 20
    /// Wrong flags, a missing setting, an unreadable input file.
    case usage = 64
    /// The gateway refused the request (4xx: a bad field, a role not allowed, a rate limit).
    case refused = 65
    /// The gateway failed (5xx), or answered something that is not a CreditGate answer.
    case server = 70
    /// The gateway could not be reached, or the TLS handshake failed.
    case network = 69

    package var meaning: String {
        switch self {
        case .clear: "CLEAR, or the command succeeded"
        case .review: "REVIEW: a person must look at the evidence"
        case .ineligible: "INELIGIBLE: a recommendation a person must confirm"
        case .rowsRefused: "a batch finished with rows that could not be checked"
        case .unverified: "a receipt, signature, proof or checkpoint did not verify"
        case .usage: "usage error: wrong flags, a missing setting, an unreadable file"
        case .refused: "the gateway refused the request (4xx)"
        case .server: "the gateway failed (5xx) or answered something unexpected"
        case .network: "network or TLS failure: the gateway could not be reached"
        }
    }

    /// The table for help texts.
    package static var table: String {
        allCases.map { "  \(String($0.rawValue).padding(toLength: 3, withPad: " ", startingAt: 0)) \($0.meaning)" }.joined(separator: "\n")
    }
}
