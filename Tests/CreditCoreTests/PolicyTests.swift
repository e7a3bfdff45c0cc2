import CreditCore
import Foundation
import Testing

@Suite("Policies")
struct PolicyTests {
    typealias F = Fixtures
    static let catalog = try! PolicyCatalog.bundled()
    static let civil = try! catalog.policy(named: "civil-service-2026")
    static let institution = try! catalog.policy(named: "public-institution-2026")
    static let day = F.day("2026-03-01")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var hit: Hit
        var rule: String?
        var outcome: Outcome
        var testDescription: String { name }
    }

    /// Every rule of civil-service-2026, and the hits no rule claims.
    static let civilCases: [Case] = [
        Case(name: "exact active listing", hit: F.defaulterHit(.exact), rule: "CS-DEF-EXACT-ACTIVE", outcome: .ineligible),
        Case(name: "criminal punishment, long ago", hit: F.recordHit(F.record(kind: .criminalPunishment, severity: .serious, decided: "2001-01-01")), rule: "CS-REC-CRIMINAL", outcome: .ineligible),
        Case(name: "expulsion ten years ago", hit: F.recordHit(F.record(kind: .disciplinarySanction, severity: .serious, sanction: .expulsion, decided: "2016-01-01")), rule: "CS-REC-EXPULSION", outcome: .ineligible),
        Case(name: "exam ban in force", hit: F.recordHit(F.record(kind: .examCheatingBan, severity: .serious, decided: "2024-06-01", until: "2029-05-31")), rule: "CS-REC-EXAM-BAN", outcome: .ineligible),
        Case(name: "serious penalty in force", hit: F.recordHit(F.record(kind: .administrativePenalty, severity: .serious, decided: "2025-06-01")), rule: "CS-REC-SERIOUS-ACTIVE", outcome: .ineligible),
        Case(name: "probable listing", hit: F.defaulterHit(.probable), rule: "CS-DEF-PROBABLE-ACTIVE", outcome: .review),
        Case(name: "deleted listing", hit: F.defaulterHit(.exact, deleted: "2021-01-01"), rule: "CS-DEF-HISTORY", outcome: .review),
        Case(name: "deleted probable listing", hit: F.defaulterHit(.probable, deleted: "2021-01-01"), rule: "CS-DEF-HISTORY", outcome: .review),
        Case(name: "warning within 6 months", hit: F.recordHit(F.record(kind: .disciplinarySanction, severity: .minor, sanction: .warning, decided: "2025-09-15")), rule: "CS-REC-SANCTION-PERIOD", outcome: .review),
        Case(name: "general record in force", hit: F.recordHit(F.record(kind: .brokenCommitment, severity: .general, decided: "2025-06-01")), rule: "CS-REC-ACTIVE", outcome: .review),
        Case(name: "serious accountability in force", hit: F.recordHit(F.record(kind: .accountability, severity: .serious, decided: "2025-06-01")), rule: "CS-REC-ACTIVE", outcome: .review),
        Case(name: "serious record repaired", hit: F.recordHit(F.record(kind: .administrativePenalty, severity: .serious, decided: "2024-01-01"), repaired: "2025-01-01"), rule: "CS-REC-REPAIRED-SERIOUS", outcome: .review),
        Case(name: "warning after its 6 months", hit: F.recordHit(F.record(kind: .disciplinarySanction, severity: .minor, sanction: .warning, decided: "2025-08-15")), rule: nil, outcome: .clear),
        Case(name: "minor record in force", hit: F.recordHit(F.record(kind: .administrativePenalty, severity: .minor, decided: "2026-02-01")), rule: nil, outcome: .clear),
        Case(name: "general record after a year", hit: F.recordHit(F.record(kind: .brokenCommitment, severity: .general, decided: "2024-06-01")), rule: nil, outcome: .clear),
        Case(name: "general record repaired", hit: F.recordHit(F.record(kind: .brokenCommitment, severity: .general, decided: "2025-06-01"), repaired: "2025-09-01"), rule: nil, outcome: .clear),
        Case(name: "exam ban ended", hit: F.recordHit(F.record(kind: .examCheatingBan, severity: .serious, decided: "2019-06-01", until: "2024-05-31")), rule: nil, outcome: .clear),
        Case(name: "lifetime exam ban", hit: F.recordHit(F.record(kind: .examCheatingBan, severity: .serious, decided: "2010-06-01", permanent: true)), rule: "CS-REC-EXAM-BAN", outcome: .ineligible),
    ]

    @Test("civil-service-2026", arguments: civilCases)
    func civilServiceRule(_ c: Case) {
        let decision = Self.civil.evaluate([c.hit], asOf: Self.day)
        #expect(decision.outcome == c.outcome)
        #expect(decision.reasons.first?.ruleID == c.rule)
        #expect(decision.policy == PolicyReference(name: "civil-service-2026", version: "2026.1"))
        if c.rule != nil { #expect(decision.reasons.first?.basis.isEmpty == false) }
    }

    @Test func everyRuleOfBothPoliciesIsExercised() {
        let covered = Set(Self.civilCases.compactMap(\.rule))
        #expect(covered == Set(Self.civil.rules.map(\.id)))
        let instituted = Set(Self.civilCases.compactMap { c in
            Self.institution.evaluate([c.hit], asOf: Self.day).reasons.first?.ruleID
        })
        #expect(instituted == Set(Self.institution.rules.map(\.id)))
    }

    static let appraisal = try! catalog.policy(named: "appraisal-2026")
    static let appointment = try! catalog.policy(named: "appointment-2026")

    /// The same hits judged for appraisal (评优评先) and for selection (选拔任用): each policy's own
    /// rule and outcome, and every rule of both exercised.
    @Test func appraisalAndAppointmentJudgeByTheirOwnRules() {
        let expected: [(String, appraisal: (String?, Outcome), appointment: (String?, Outcome))] = [
            ("exact active listing", ("AP-DEF-EXACT-ACTIVE", .ineligible), ("SA-DEF-EXACT-ACTIVE", .ineligible)),
            ("criminal punishment, long ago", ("AP-REC-ACTIVE", .ineligible), ("SA-REC-CRIMINAL", .ineligible)),
            ("warning within 6 months", ("AP-REC-SANCTION-PERIOD", .ineligible), ("SA-REC-SANCTION-PERIOD", .ineligible)),
            ("serious penalty in force", ("AP-REC-ACTIVE", .ineligible), ("SA-REC-SERIOUS-ACTIVE", .ineligible)),
            ("general record in force", ("AP-REC-ACTIVE", .ineligible), ("SA-REC-GENERAL-ACTIVE", .review)),
            ("probable listing", ("AP-DEF-PROBABLE-ACTIVE", .review), ("SA-DEF-PROBABLE-ACTIVE", .review)),
            ("minor record in force", ("AP-REC-MINOR-ACTIVE", .review), (nil, .clear)),
            ("deleted listing", (nil, .clear), ("SA-DEF-HISTORY", .review)),
            ("serious record repaired", (nil, .clear), ("SA-REC-REPAIRED-SERIOUS", .review)),
            ("general record repaired", (nil, .clear), (nil, .clear)),
        ]
        var covered: [String: Set<String>] = [:]
        for (name, appraisal, appointment) in expected {
            let hit = Self.civilCases.first { $0.name == name }!.hit
            for (policy, want) in [(Self.appraisal, appraisal), (Self.appointment, appointment)] {
                let decision = policy.evaluate([hit], asOf: Self.day)
                #expect(decision.reasons.first?.ruleID == want.0, "\(policy.name): \(name)")
                #expect(decision.outcome == want.1, "\(policy.name): \(name)")
                if let rule = want.0 { covered[policy.name, default: []].insert(rule) }
            }
        }
        for policy in [Self.appraisal, Self.appointment] {
            #expect(covered[policy.name] == Set(policy.rules.map(\.id)))
        }
    }

    @Test func aCheckPurposeChoosesItsPolicy() throws {
        #expect(Self.catalog.policy(forPurpose: "appraisal")?.name == "appraisal-2026")
        #expect(Self.catalog.policy(forPurpose: "promotion")?.name == "appointment-2026")
        #expect(Self.catalog.policy(forPurpose: "civil-service-exam")?.name == "civil-service-2026")
        #expect(Self.catalog.policy(forPurpose: "public-institution-hiring")?.name == "public-institution-2026")
        #expect(Self.catalog.policy(forPurpose: "something-else") == nil)
    }

    @Test func twoPoliciesServingOnePurposeAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["a", "b"] {
            try Data("""
                {"name": "\(name)", "version": "1", "title": "t", "purposes": ["appraisal"], "sanctionPeriodMonths": {},
                 "publicationPeriodMonths": {}, "rules": []}
                """.utf8).write(to: folder.appendingPathComponent("\(name).json"))
        }
        #expect(throws: PolicyError.self) { try PolicyCatalog.load(folder: folder) }
    }

    /// 信用修复: general records after 3 months of publication, serious after 1 year, minor at once.
    @Test func repairWaitsForTheMinimumPublicationPeriod() {
        let decided = "2026-01-31"
        #expect(CreditRepair.earliestDay(for: F.record(kind: .brokenCommitment, severity: .minor, decided: decided)) == F.day("2026-01-31"))
        #expect(CreditRepair.earliestDay(for: F.record(kind: .brokenCommitment, severity: .general, decided: decided)) == F.day("2026-04-30"))
        #expect(CreditRepair.earliestDay(for: F.record(kind: .administrativePenalty, severity: .serious, decided: decided)) == F.day("2027-01-31"))
    }

    @Test func publicInstitutionDoesNotReviewRepairedRecords() {
        let repaired = F.recordHit(F.record(kind: .administrativePenalty, severity: .serious, decided: "2024-01-01"), repaired: "2025-01-01")
        #expect(Self.institution.evaluate([repaired], asOf: Self.day).outcome == .clear)
    }

    @Test func mostSevereOutcomeWinsAndEveryHitGivesAReason() {
        let decision = Self.civil.evaluate([F.defaulterHit(.probable), F.defaulterHit(.exact), F.recordHit(F.record(kind: .administrativePenalty, severity: .minor, decided: "2026-02-01"))], asOf: Self.day)
        #expect(decision.outcome == .ineligible)
        #expect(decision.reasons.map(\.ruleID) == ["CS-DEF-EXACT-ACTIVE", "CS-DEF-PROBABLE-ACTIVE"])
        #expect(decision.reasons[0].evidence.caseNumber == "(2019)湘0102执1234号")
        #expect(decision.reasons[0].evidence.publishedID == "110105********002X")
        #expect(Self.civil.evaluate([], asOf: Self.day).outcome == .clear)
    }

    @Test func sanctionPeriodsFollowTheLaw() throws {
        let warning = F.record(kind: .disciplinarySanction, severity: .minor, sanction: .warning, decided: "2025-08-31")
        #expect(Self.civil.effectEnd(of: warning) == F.day("2026-02-27"))
        let demotion = F.record(kind: .disciplinarySanction, severity: .general, sanction: .demotion, decided: "2024-03-01")
        #expect(Self.civil.effectEnd(of: demotion) == F.day("2026-02-28"))
        #expect(Self.civil.effectEnd(of: F.record(kind: .disciplinarySanction, severity: .serious, sanction: .expulsion)) == nil)
    }

    @Test func aPolicyLettingAProbableMatchBlockIsRefused() throws {
        var policy = Self.civil
        policy.rules[0].when.match = [.exact, .probable]
        let data = try JSONEncoder().encode(policy)
        let error = #expect(throws: PolicyError.self) { try Policy.load(from: data) }
        #expect(error?.code == "policy.probable-blocks")
        policy.rules[0].when.match = nil
        #expect(throws: PolicyError.self) { try Policy.load(from: try JSONEncoder().encode(policy)) }
    }

    @Test func duplicateRuleIdsAreRefused() throws {
        var policy = Self.civil
        policy.rules.append(policy.rules[1])
        let error = #expect(throws: PolicyError.self) { try Policy.load(from: try JSONEncoder().encode(policy)) }
        #expect(error?.code == "policy.duplicate-rule")
    }

    @Test func taxonomyAcceptsCodesAndLabels() throws {
        let taxonomy = try Taxonomy.bundled()
        #expect(taxonomy.categories.count == 6)
        #expect(taxonomy.category(for: "廉洁信用")?.code == "integrity")
        #expect(taxonomy.category(for: "borrowing")?.label == "借贷信用")
        #expect(taxonomy.category(for: "unknown") == nil)
    }
}
