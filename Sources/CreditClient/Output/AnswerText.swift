import GatewayAPI

/// A check answer as a person reads it: the decision (in colour on a terminal), the candidate, the
/// policy and archive versions, each reason with its legal basis, and a table of the evidence.
package enum AnswerText {
    package static func render(_ answer: Components.Schemas.CheckResult, receipt: String?, labels: Labels, terminal: Terminal) -> String {
        let decision = answer.decision.rawValue
        var lines = [terminal.paint(terminal.paint(decision: decision, labels.decision(decision)), .bold), ""]
        var facts: [(String, String)] = [
            (labels.candidate, "\(answer.candidate.name)  \(answer.candidate.maskedId)"),
            (labels.policy, "\(answer.policy.name) (\(answer.policy.version))"),
            (labels.archive, answer.archive.version),
            (labels.asOf, answer.asOf),
            (labels.checkId, answer.checkId),
        ]
        if let receipt { facts.append((labels.receipt, receipt)) }
        let width = facts.map { Terminal.width($0.0) }.max() ?? 0
        for (label, value) in facts {
            lines.append(label + String(repeating: " ", count: width - Terminal.width(label)) + "  " + value)
        }
        lines.append("")
        guard !answer.reasons.isEmpty else {
            lines.append(labels.noReasons)
            return lines.joined(separator: "\n")
        }
        lines.append(terminal.paint(labels.reasons, .bold))
        for (number, reason) in answer.reasons.enumerated() {
            let outcome = terminal.paint(decision: reason.outcome.rawValue, reason.outcome.rawValue)
            lines.append("\(number + 1). [\(outcome)] \(reason.title)  (\(reason.ruleId))")
            lines.append("   \(labels.basis): \(reason.basis)")
        }
        lines.append("")
        lines.append(terminal.paint(labels.evidence, .bold))
        let rows = answer.reasons.map { reason -> [String] in
            let e = reason.evidence
            return [e.source.rawValue, e.matchKind?.rawValue ?? "", e.status.rawValue,
                    e.caseNumber ?? e.recordId ?? "", e.court ?? e.issuer ?? "",
                    e.listedOn ?? e.decidedOn ?? "", e.deletedOn ?? e.effectiveUntil ?? e.repairedOn ?? ""]
        }
        lines.append(Terminal.table(labels.evidenceColumns, rows))
        if answer.recommendationOnly == true {
            lines.append("")
            lines.append(labels.recommendationOnly)
        }
        return lines.joined(separator: "\n")
    }
}
