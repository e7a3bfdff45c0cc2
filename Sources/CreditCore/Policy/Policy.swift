import Foundation

/// A named, versioned screening policy: ordered rules that turn hits into a decision.
///
/// Policies are data (JSON files shipped in `Resources/policies`), so a bureau can add one without a
/// release. Each rule names its legal basis; each hit is judged by the **first** rule whose condition
/// it meets, which is why disqualifying rules come first. A hit no rule claims (an expired minor
/// record, say) contributes nothing. Loading refuses a policy in which a probable (masked-ID) match
/// could make a candidate INELIGIBLE: name similarity never blocks anyone.
///
/// ```swift
/// let policy = try PolicyCatalog.bundled().policy(named: "civil-service-2026")
/// let decision = policy.evaluate(hits, asOf: try CalendarDay(parsing: "2026-03-01"))
/// decision.outcome  // .review
/// ```
public struct Policy: Codable, Sendable, Hashable {
    public var name: String
    public var version: String
    public var title: String
    /// The check purposes (`purpose.code`) this policy serves: a check that names no policy is
    /// judged by the policy serving its purpose, or by the gateway's default when none does.
    public var purposes: [String]?
    /// Months a sanction stays in effect (公职人员政务处分法 art. 8); a level missing here never ends.
    public var sanctionPeriodMonths: [String: Int]
    /// Longest publication period by severity, for records that state no end (信用修复管理办法).
    public var publicationPeriodMonths: [String: Int]
    public var rules: [PolicyRule]

    public var reference: PolicyReference { PolicyReference(name: name, version: version) }

    public static func load(from data: Data) throws -> Policy {
        let policy = try JSONDecoder().decode(Policy.self, from: data)
        try policy.validate()
        return policy
    }

    func validate() throws(PolicyError) {
        guard !name.isEmpty, !version.isEmpty else {
            throw PolicyError(code: "policy.name", reason: "a policy needs a name and a version")
        }
        var seen: Set<String> = []
        for rule in rules {
            guard seen.insert(rule.id).inserted else {
                throw PolicyError(code: "policy.duplicate-rule", reason: "rule \(rule.id) appears twice in \(name)")
            }
            guard !rule.basis.isEmpty else {
                throw PolicyError(code: "policy.basis", reason: "rule \(rule.id) has no legal basis")
            }
            if rule.outcome == .ineligible, rule.when.source == .defaulter,
               rule.when.match?.contains(.probable) ?? true {
                throw PolicyError(code: "policy.probable-blocks", reason: "rule \(rule.id) would make a probable match INELIGIBLE")
            }
        }
        for level in sanctionPeriodMonths.keys where SanctionLevel(rawValue: level) == nil {
            throw PolicyError(code: "policy.sanction", reason: "unknown sanction level \(level)")
        }
        for severity in publicationPeriodMonths.keys where Severity(rawValue: severity) == nil {
            throw PolicyError(code: "policy.severity", reason: "unknown severity \(severity)")
        }
    }

    /// The last day a record is in effect, or `nil` when it never ends.
    public func effectEnd(of record: DishonestyRecord) -> CalendarDay? {
        if record.permanent || record.kind == .criminalPunishment { return nil }
        if let explicit = record.effectiveUntil { return explicit }
        if record.kind == .disciplinarySanction, let sanction = record.sanction {
            guard let months = sanctionPeriodMonths[sanction.rawValue] else { return nil }
            return record.decidedOn.adding(months: months).adding(days: -1)
        }
        guard let months = publicationPeriodMonths[record.severity.rawValue] else { return nil }
        return record.decidedOn.adding(months: months).adding(days: -1)
    }

    /// A record's standing on a day under this policy's periods.
    public func status(of state: RecordHistory.State, on day: CalendarDay) -> HitStatus {
        if let repaired = state.repairedOn, repaired <= day { return .repaired }
        if let end = effectEnd(of: state.record), day > end { return .expired }
        return .active
    }

    /// Judges every hit and combines them: the most severe outcome wins, each contributing hit
    /// brings one reason.
    public func evaluate(_ hits: [Hit], asOf day: CalendarDay) -> Decision {
        var reasons: [Reason] = []
        for hit in hits {
            let facts = HitFacts(hit: hit, policy: self, day: day)
            guard let rule = rules.first(where: { $0.when.accepts(facts) }) else { continue }
            reasons.append(Reason(ruleID: rule.id, outcome: rule.outcome, title: rule.title, basis: rule.basis, evidence: facts.evidence))
        }
        reasons.sort { ($0.outcome, $0.evidence.entryID) > ($1.outcome, $1.evidence.entryID) }
        let outcome = reasons.map(\.outcome).max() ?? .clear
        return Decision(outcome: outcome, reasons: reasons, policy: reference, asOf: day)
    }
}

/// One rule: if a hit meets the condition, it yields the outcome, for the reason in `basis`.
public struct PolicyRule: Codable, Sendable, Hashable {
    public var id: String
    public var outcome: Outcome
    public var title: String
    public var basis: String
    public var when: RuleCondition
}

/// A conjunction of optional constraints on a hit; an absent constraint accepts anything.
public struct RuleCondition: Codable, Sendable, Hashable {
    public var source: HitSource
    public var match: [MatchKind]?
    public var status: [HitStatus]?
    public var kinds: [RecordKind]?
    public var sanctions: [SanctionLevel]?
    public var severities: [Severity]?
    public var categories: [String]?

    func accepts(_ facts: HitFacts) -> Bool {
        guard facts.source == source else { return false }
        if let match, !(facts.match.map(match.contains) ?? false) { return false }
        if let status, !status.contains(facts.status) { return false }
        if let kinds, !(facts.kind.map(kinds.contains) ?? false) { return false }
        if let sanctions, !(facts.sanction.map(sanctions.contains) ?? false) { return false }
        if let severities, !(facts.severity.map(severities.contains) ?? false) { return false }
        if let categories, !(facts.category.map(categories.contains) ?? false) { return false }
        return true
    }
}

/// The facts of one hit that rules test, flattened once per hit.
struct HitFacts {
    var source: HitSource
    var match: MatchKind?
    var status: HitStatus
    var kind: RecordKind?
    var sanction: SanctionLevel?
    var severity: Severity?
    var category: String?
    var evidence: Evidence

    init(hit: Hit, policy: Policy, day: CalendarDay) {
        switch hit {
        case .defaulter(let match, let state):
            source = .defaulter
            self.match = match
            status = state.status == .active ? .active : .deleted
            evidence = Evidence(defaulter: state, match: match, status: status)
        case .record(let state):
            source = .record
            status = policy.status(of: state, on: day)
            kind = state.record.kind
            sanction = state.record.sanction
            severity = state.record.severity
            category = state.record.category
            evidence = Evidence(record: state, status: status, effectEnd: policy.effectEnd(of: state.record))
        }
    }
}
