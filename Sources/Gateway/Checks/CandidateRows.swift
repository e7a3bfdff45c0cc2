import GatewayAPI

/// The candidates of a many-candidate request (an inline batch, new watches), validated one by one:
/// a bad row becomes its own error and the others go on. The request as a whole is refused only
/// when it has no candidate or more than `limit` (``bound(_:limit:beyond:)``, asked before anything
/// else of the request).
struct CandidateRows {
    /// The valid rows' questions, and where each stands in the request.
    var questions: [CheckQuestion] = []
    var positions: [Int] = []
    var references: [String?] = []
    /// Every row's index and reference, with its error when it has one.
    var rows: [(index: Int, reference: String?, error: Components.Schemas.Problem?)] = []

    /// Refuses a request with no candidate, or more than `limit` (`beyond` says where more may go).
    static func bound(_ candidates: [Components.Schemas.BatchCandidate], limit: Int, beyond: String) throws(Problem) {
        guard !candidates.isEmpty else { throw Problem.invalid(code: "batch.empty", "candidates is empty", pointer: "/candidates") }
        guard candidates.count <= limit else {
            throw Problem(.contentTooLarge, code: "batch.too-large", title: "Too many candidates",
                          detail: "at most \(limit) candidates per call\(beyond)", pointer: "/candidates")
        }
    }

    init(_ candidates: [Components.Schemas.BatchCandidate], terms: CheckQuestion.Terms) {
        for (index, candidate) in candidates.enumerated() {
            do throws(Problem) {
                questions.append(try CheckQuestion(name: candidate.name, idNumber: candidate.idNumber, terms: terms, pointer: "/candidates/\(index)"))
                positions.append(index)
                references.append(candidate.reference)
                rows.append((index, candidate.reference, nil))
            } catch {
                rows.append((index, candidate.reference, .init(error)))
            }
        }
    }

    /// The request's summary, from the decisions of the rows answered.
    func summary(_ decisions: [Components.Schemas.Decision]) -> Components.Schemas.BatchSummary {
        func count(_ decision: Components.Schemas.Decision) -> Int { decisions.count { $0 == decision } }
        return .init(total: rows.count, clear: count(.clear), review: count(.review), ineligible: count(.ineligible), errors: rows.count - decisions.count)
    }
}
