import Foundation

/// Why an operation did not give a usable answer, each with its own exit code.
package enum ClientFailure: Error, CustomStringConvertible {
    /// The gateway could not be reached or the TLS handshake failed.
    case network(String)
    /// The gateway refused the request: a 4xx problem (RFC 9457).
    case refused(status: Int, problem: ProblemSummary)
    /// The gateway failed (5xx), or its answer could not be read.
    case server(status: Int, detail: String)
    /// The answer did not verify: it is not evidence.
    case unverified(String)

    package var exitStatus: ExitStatus {
        switch self {
        case .network: .network
        case .refused: .refused
        case .server: .server
        case .unverified: .unverified
        }
    }

    package var description: String {
        switch self {
        case .network(let detail): detail
        case .refused(let status, let problem): "\(status) \(problem)"
        case .server(let status, let detail): status == 0 ? detail : "\(status) \(detail)"
        case .unverified(let detail): detail
        }
    }

    /// Throws for a status other than 2xx, with the problem the body states.
    static func check(_ receipt: Receipt) throws {
        guard !(200..<300).contains(receipt.status) else { return }
        let problem = ProblemSummary(body: receipt.body, status: receipt.status)
        if (400..<500).contains(receipt.status) { throw ClientFailure.refused(status: receipt.status, problem: problem) }
        throw ClientFailure.server(status: receipt.status, detail: problem.description)
    }
}

/// The parts of an RFC 9457 problem a person needs: the stable code, the text and the field at fault.
package struct ProblemSummary: Sendable, Decodable, CustomStringConvertible {
    package var code: String?
    package var title: String?
    package var detail: String?
    package var pointer: String?

    package init(code: String?, title: String?, detail: String?, pointer: String?) {
        self.code = code
        self.title = title
        self.detail = detail
        self.pointer = pointer
    }

    init(body: [UInt8], status: Int) {
        self = (try? JSONDecoder().decode(ProblemSummary.self, from: Data(body)))
            ?? ProblemSummary(code: nil, title: "HTTP \(status)", detail: nil, pointer: nil)
    }

    package var description: String {
        var text = [code, title].compactMap { $0 }.joined(separator: ": ")
        if let detail { text += " (\(detail))" }
        if let pointer, !pointer.isEmpty { text += " at \(pointer)" }
        return text
    }
}
