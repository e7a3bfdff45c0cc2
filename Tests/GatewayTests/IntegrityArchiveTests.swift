import Attestation
import CreditCore
import Foundation
@testable import Gateway
import GatewayAPI
import Synchronization
import Testing

/// The integrity archive kept one record at a time (一人一档), over mutual TLS against a real
/// gateway on each backend, with an injected clock: records, credit repair and its periods, the
/// person's file, roles, audit, and the policies beyond hiring.
@Suite("Integrity archive", .serialized)
struct IntegrityArchiveTests {
    /// The gateway's "today", moved by the test.
    final class Calendar: Sendable {
        private let day: Mutex<CalendarDay>
        init(_ day: String) { self.day = Mutex(try! CalendarDay(parsing: day)) }
        var today: CalendarDay { day.withLock { $0 } }
        func set(_ text: String) { day.withLock { $0 = try! CalendarDay(parsing: text) } }
    }

    static let decided = "2026-03-02"
    static let person = (name: "李四", id: IntegrityArchiveTests.validID("43010219900101123"))

    static func validID(_ body: String) -> String {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return body + String(Array("10X98765432")[sum % 11])
    }

    static func penalty(_ id: String, name: String, recordId: String?, severity: Components.Schemas.RecordFields.SeverityPayload,
                        kind: Components.Schemas.RecordFields.KindPayload = .administrativePenalty, category: String = "law-abiding")
        -> Components.Schemas.RecordFields {
        .init(name: name, idNumber: id, category: category, kind: kind, severity: severity, decidedOn: decided,
              issuer: "长沙市市场监督管理局", documentNumber: "长市监罚〔2026〕42号", summary: "虚假申报", _operator: "jw.wang")
    }

    func check(_ gateway: TestGateway, _ person: (name: String, id: String), asOf: String? = nil,
               purpose: Components.Schemas.Purpose = TestGateway.purpose) async throws -> Components.Schemas.CheckResult {
        try await gateway.withClient("bureau") { client in
            try await client.createCheck(body: .json(.init(candidate: .init(name: person.name, idNumber: person.id), purpose: purpose, asOf: asOf)))
                .ok.body.json
        }
    }

    func file(_ gateway: TestGateway, role: String = "archivist", asOf: String? = nil) async throws -> Components.Schemas.PersonFile {
        try await gateway.withClient(role) { client in
            try await client.getPersonFile(body: .json(.init(
                candidate: .init(name: Self.person.name, idNumber: Self.person.id), purpose: .init(code: "discipline-case", reference: "JW-2026-7"),
                asOf: asOf, _operator: "jw.wang"))).ok.body.json
        }
    }

    @Test(arguments: TestGateway.Backend.allCases)
    func aRecordARepairAndTheFile(on backend: TestGateway.Backend) async throws {
        let calendar = Calendar("2026-09-01")
        let gateway = try await TestGateway(on: backend) { configuration, _ in configuration.today = { calendar.today } }
        #expect(try await check(gateway, Self.person).decision == .clear)

        // An archivist records a serious administrative penalty: the hiring check turns INELIGIBLE.
        let added = try await gateway.withClient("archivist") { client in
            try await client.addRecord(body: .json(.init(value1: Self.penalty(Self.person.id, name: Self.person.name, recordId: nil, severity: .serious),
                                                          value2: .init(recordId: "CS-2026-0042")))).created.body.json
        }
        #expect(added.operation == .add && added.recordId == "CS-2026-0042" && added.effectiveOn == Self.decided)
        #expect(added.record?.maskedId == (try ResidentID(Self.person.id, today: calendar.today)).masked)
        let ineligible = try await check(gateway, Self.person)
        #expect(ineligible.decision == .ineligible)
        #expect(ineligible.reasons.map(\.ruleId) == ["CS-REC-SERIOUS-ACTIVE"])
        #expect(ineligible.archive.sequence == added.archive.sequence)

        // A repair asked before a year of publication is refused, naming the first allowed day.
        let early = try await gateway.raw("archivist", "POST", "/v1/archive/repairs", body: """
            {"recordId": "CS-2026-0042", "grounds": ["obligations-fulfilled"], "evidence": ["缴款凭证 2026-08-30"]}
            """)
        #expect(early.status == 422)
        let problem = early.problem()
        #expect(problem.code == "repair.too-early" && problem.pointer == "/effectiveOn")
        #expect(problem.detail?.contains("2027-03-02") == true)

        // A year on, it is requested and approved: the check turns REVIEW (serious, repaired).
        calendar.set("2027-03-10")
        let repaired = try await gateway.withClient("archivist") { client in
            let request = try await client.requestRepair(body: .json(.init(
                recordId: "CS-2026-0042", grounds: [.obligationsFulfilled, .publicCommitment], evidence: ["缴款凭证 2026-08-30", "信用承诺书"],
                _operator: "xy.zhao"))).created.body.json
            #expect(request.status == .pending && request.earliestOn == "2027-03-02" && request.audit != nil)
            let twice = try await client.requestRepair(body: .json(.init(recordId: "CS-2026-0042", grounds: [.lossRecovered], evidence: ["x"])))
            #expect(try twice.conflict.body.applicationProblemJson.code == "repair.pending")
            let approved = try await client.approveRepair(path: .init(repairId: request.repairId), body: .json(.init(note: "材料齐全", _operator: "jw.wang")))
                .ok.body.json
            let again = try await client.approveRepair(path: .init(repairId: request.repairId), body: .json(.init()))
            #expect(try again.conflict.body.applicationProblemJson.code == "repair.decided")
            return approved
        }
        #expect(repaired.status == .approved && repaired.effectiveOn == "2027-03-10" && repaired.decidedBy != nil)
        let review = try await check(gateway, Self.person)
        #expect(review.decision == .review && review.reasons.map(\.ruleId) == ["CS-REC-REPAIRED-SERIOUS"])
        #expect(review.archive.sequence == repaired.archiveSequence)
        // As of a day before the repair, the answer is what it was.
        let before = try await check(gateway, Self.person, asOf: "2027-03-09")
        #expect(before.decision == .ineligible && before.reasons.map(\.ruleId) == ["CS-REC-SERIOUS-ACTIVE"])

        // The file shows all of it, with days and versions; as of an earlier day, the standing then.
        let now = try await file(gateway)
        let filed = try #require(now.records.first)
        #expect(now.records.count == 1 && filed.record.recordId == "CS-2026-0042" && filed.status == .repaired)
        #expect(filed.events.map(\.operation) == [.add, .repair])
        #expect(filed.events.map(\.effectiveOn) == [Self.decided, "2027-03-10"])
        #expect(filed.events.map(\.archiveSequence) == [added.archive.sequence, repaired.archiveSequence])
        #expect(filed.repairedOn == "2027-03-10" && filed.earliestRepairOn == "2027-03-02")
        #expect(now.repairs.map(\.status) == [.approved])
        #expect(now.categories.map(\.category) == ["law-abiding"] && now.categories[0].inForce == 0 && now.categories[0].label != nil)
        #expect(now.archive.sequence == repaired.archiveSequence && now.candidate.maskedId == filed.record.maskedId)
        let earlier = try await file(gateway, role: "auditor", asOf: "2026-12-01")
        #expect(earlier.records.first?.status == .active && earlier.asOf == "2026-12-01")
        let beforeIt = try await file(gateway, asOf: "2026-01-01")
        #expect(beforeIt.records.first?.status == .notYet)

        // A bureau certificate can neither read files nor write records; an auditor cannot write.
        let record = #"{"name": "李四", "idNumber": "\#(Self.person.id)", "category": "law-abiding", "kind": "accountability", "severity": "minor", "decidedOn": "2026-05-01"}"#
        for (role, method, path, body) in [
            ("bureau", "POST", "/v1/archive/files", #"{"candidate": {"name": "李四", "idNumber": "\#(Self.person.id)"}, "purpose": {"code": "x1", "reference": "r"}}"#),
            ("bureau", "POST", "/v1/archive/records", record),
            ("bureau", "POST", "/v1/archive/repairs", #"{"recordId": "CS-2026-0042", "grounds": ["loss-recovered"], "evidence": ["e"]}"#),
            ("bureau", "GET", "/v1/archive/repairs/\(repaired.repairId)", nil),
            ("auditor", "POST", "/v1/archive/records", record),
            ("auditor", "POST", "/v1/archive/repairs/\(repaired.repairId)/approval", "{}"),
        ] as [(String, String, String, String?)] {
            let refused = try await gateway.raw(role, method, path, body: body)
            #expect(refused.status == 403, "\(role) \(method) \(path)")
            #expect(!String(decoding: refused.body, as: UTF8.self).contains(Self.person.id))
        }

        // Every step is in the audit log, none with the ID in it.
        let entries = try await gateway.withClient("auditor") { client in
            try await client.getAuditEntries(query: .init(start: 0, count: 1000)).ok.body.json.entries.map(\.entry)
        }
        for operation in ["\"addRecord\"", "\"requestRepair\"", "\"repairRecord\"", "\"approveRepair\"", "\"getPersonFile\""] {
            #expect(entries.contains { $0.contains(operation) && $0.contains("\"ok\"") }, "\(operation)")
        }
        #expect(entries.contains { $0.contains("\"requestRepair\"") && $0.contains("refused 422 repair.too-early") })
        #expect(entries.contains { $0.contains("\"getPersonFile\"") && $0.contains("refused 403") })
        #expect(entries.contains { $0.contains("\"getPersonFile\"") && $0.contains("discipline-case JW-2026-7") })
        #expect(!entries.contains { $0.contains(Self.person.id) })
        try await gateway.stop()
    }

    @Test func appraisalChecksJudgeByTheAppraisalPolicy() async throws {
        let calendar = Calendar("2026-09-01")
        let gateway = try await TestGateway { configuration, _ in configuration.today = { calendar.today } }
        let colleague = (name: "王五", id: Self.validID("43010219850505432"))
        _ = try await gateway.withClient("archivist") { client in
            try await client.addRecord(body: .json(.init(
                value1: Self.penalty(colleague.id, name: colleague.name, recordId: nil, severity: .general, kind: .brokenCommitment, category: "履职信用"),
                value2: .init()))).created.body.json
        }
        let appraisal = try await check(gateway, colleague, purpose: .init(code: "appraisal", recruitmentId: "KH-2026", consentReference: "公务员考核规定"))
        #expect(appraisal.decision == .ineligible)
        #expect(appraisal.policy.name == "appraisal-2026")
        let reason = try #require(appraisal.reasons.first)
        #expect(reason.ruleId == "AP-REC-ACTIVE" && reason.basis.contains("评优评先"))
        // An inline batch with the same purpose is judged alike.
        let batch = try await gateway.withClient("bureau") { client in
            try await client.createBatchCheck(body: .json(.init(
                purpose: .init(code: "appraisal", recruitmentId: "KH-2026", consentReference: "公务员考核规定"),
                candidates: [.init(name: colleague.name, idNumber: colleague.id)]))).ok.body.json
        }
        #expect(batch.items.first?.result?.policy.name == "appraisal-2026" && batch.items.first?.result?.decision == .ineligible)
        // The same person for hiring: the hiring policy's rule.
        let hiring = try await check(gateway, colleague)
        #expect(hiring.decision == .review && hiring.reasons.map(\.ruleId) == ["CS-REC-ACTIVE"])
        // Selection and appointment: a general record is weighed, not disqualifying.
        let promotion = try await check(gateway, colleague, purpose: .init(code: "promotion", recruitmentId: "XB-2026", consentReference: "干部任用条例"))
        #expect(promotion.policy.name == "appointment-2026" && promotion.reasons.map(\.ruleId) == ["SA-REC-GENERAL-ACTIVE"])
        try await gateway.stop()
    }

    @Test func singleRecordsAreValidatedByTheFeedsRules() async throws {
        let calendar = Calendar("2026-09-01")
        let gateway = try await TestGateway { configuration, _ in configuration.today = { calendar.today } }
        let base = #""name": "赵六", "kind": "administrative-penalty", "severity": "general", "decidedOn": "2026-05-01""#
        let good = Self.validID("43010219700707111")
        for (body, status, code, pointer) in [
            (#"{\#(base), "idNumber": "\#(good)", "category": "astrology"}"#, 422, "feed.value", "/category"),
            (#"{\#(base), "idNumber": "430102197007071110", "category": "law-abiding"}"#, 422, "id.checksum", "/idNumber"),
            (#"{\#(base), "idNumber": "\#(good)", "category": "law-abiding", "recordId": "R-1"}"#, 201, nil, nil),
            (#"{\#(base), "idNumber": "\#(good)", "category": "law-abiding", "recordId": "R-1"}"#, 409, "record.exists", "/recordId"),
        ] as [(String, Int, String?, String?)] {
            let response = try await gateway.raw("archivist", "POST", "/v1/archive/records", body: body)
            #expect(response.status == status, "\(body)")
            if let code {
                let problem = response.problem()
                #expect(problem.code == code && problem.pointer == pointer)
                #expect(!String(decoding: response.body, as: UTF8.self).contains("43010219700707"))
            }
        }
        let unknown = try await gateway.raw("archivist", "POST", "/v1/archive/records/R-404/revocation", body: #"{"effectiveOn": "2026-08-01"}"#)
        #expect(unknown.status == 404 && unknown.problem().code == "record.unknown")
        // A correction keeps the history: as of before it, the old severity; a revocation ends it.
        let corrected = try await gateway.raw("archivist", "POST", "/v1/archive/records/R-1/correction",
                                              body: #"{\#(base.replacingOccurrences(of: "general", with: "serious")), "idNumber": "\#(good)", "category": "law-abiding", "effectiveOn": "2026-06-01"}"#)
        #expect(corrected.status == 201)
        let person = (name: "赵六", id: good)
        #expect(try await check(gateway, person).reasons.map(\.ruleId) == ["CS-REC-SERIOUS-ACTIVE"])
        #expect(try await check(gateway, person, asOf: "2026-05-15").reasons.map(\.ruleId) == ["CS-REC-ACTIVE"])
        #expect(try await gateway.raw("archivist", "POST", "/v1/archive/records/R-1/revocation", body: #"{"effectiveOn": "2026-08-01"}"#).status == 201)
        #expect(try await check(gateway, person).decision == .clear)
        let again = try await gateway.raw("archivist", "POST", "/v1/archive/records/R-1/revocation", body: #"{"effectiveOn": "2026-08-02"}"#)
        #expect(again.status == 409 && again.problem().code == "record.revoked")
        try await gateway.stop()
    }

    /// A record repaired while a request waits (by a feed here; by an approval cut short by a
    /// crash in the field): the approval records that repair, adds none, and a rejection is refused.
    @Test func anApprovalRecordsARepairMadeMeanwhile() async throws {
        let calendar = Calendar("2027-06-01")
        let gateway = try await TestGateway { configuration, _ in configuration.today = { calendar.today } }
        let id = Self.validID("43010219660606222")
        let record = Self.penalty(id, name: "钱八", recordId: nil, severity: .general)
        #expect(try await gateway.withClient("archivist") { client in
            try await client.addRecord(body: .json(.init(value1: record, value2: .init(recordId: "R-9")))).created.body.json.recordId
        } == "R-9")
        let first = try await gateway.withClient("archivist") { client in
            try await client.requestRepair(body: .json(.init(recordId: "R-9", grounds: [.lossRecovered], evidence: ["e"]))).created.body.json
        }
        let feed = #"{"recordId": "R-9", "op": "repair", "opDate": "2027-05-20"}"# + "\n"
        let imported = try await gateway.raw("archivist", "POST", "/v1/archive/imports?kind=records", body: feed, contentType: "application/x-ndjson")
        #expect(imported.status == 200, "\(imported.text)")
        let rejected = try await gateway.raw("archivist", "POST", "/v1/archive/repairs/\(first.repairId)/rejection", body: #"{"note": "no"}"#)
        #expect(rejected.status == 409 && rejected.problem().code == "record.repaired")
        let approved = try await gateway.withClient("archivist") { client in
            try await client.approveRepair(path: .init(repairId: first.repairId), body: .json(.init())).ok.body.json
        }
        #expect(approved.status == .approved && approved.effectiveOn == "2027-05-20")
        #expect(approved.archiveSequence == (imported.json["archive"] as? [String: Any])?["sequence"] as? Int64)
        let file = try await gateway.withClient("auditor") { client in
            try await client.getPersonFile(body: .json(.init(
                candidate: .init(name: "钱八", idNumber: id), purpose: .init(code: "repair-review", reference: "R-9")))).ok.body.json
        }
        #expect(file.records.first?.events.map(\.operation) == [.add, .repair])
        try await gateway.stop()
    }

    /// Approved weeks after it was asked, a repair takes effect on the day of the approval.
    @Test func aLateApprovalTakesEffectThatDay() async throws {
        let calendar = Calendar("2027-06-01")
        let gateway = try await TestGateway { configuration, _ in configuration.today = { calendar.today } }
        let id = Self.validID("43010219660606333")
        let repair = try await gateway.withClient("archivist") { client in
            _ = try await client.addRecord(body: .json(.init(value1: Self.penalty(id, name: "孙九", recordId: nil, severity: .general),
                                                             value2: .init(recordId: "R-10")))).created.body.json
            return try await client.requestRepair(body: .json(.init(recordId: "R-10", grounds: [.publicCommitment], evidence: ["e"]))).created.body.json
        }
        #expect(repair.effectiveOn == "2027-06-01")
        calendar.set("2027-06-20")
        let approved = try await gateway.withClient("archivist") { client in
            try await client.approveRepair(path: .init(repairId: repair.repairId), body: .json(.init())).ok.body.json
        }
        #expect(approved.effectiveOn == "2027-06-20")
        try await gateway.stop()
    }
}

extension TestGateway.RawResponse {
    /// The problem+json body's fields that tests look at.
    fileprivate func problem() -> (code: String?, pointer: String?, detail: String?) {
        (json["code"] as? String, json["pointer"] as? String, json["detail"] as? String)
    }
}
