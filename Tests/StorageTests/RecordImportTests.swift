import ArchiveClient
import CreditCore
import Foundation
import Testing

@Suite("Dishonesty record import")
struct RecordImportTests {
    static let feed = """
        {"recordId":"CS-2025-001","name":"张三","idNumber":"11010519491231002X","category":"廉洁信用","kind":"纪律处分","sanction":"警告","severity":"一般","decidedOn":"2025-09-15","issuer":"长沙市纪委监委"}
        {"recordId":"CS-2025-002","name":"张三","idNumber":"11010519491231002X","category":"tax","kind":"administrative-penalty","severity":"serious","decidedOn":"2024-01-01"}
        {"recordId":"CS-2025-002","op":"repair","opDate":"2025-01-01"}
        {"recordId":"CS-2025-003","name":"张三","idNumber":"11010519491231002X","category":"borrowing","kind":"broken-commitment","severity":"general","decidedOn":"2025-06-01"}
        {"recordId":"CS-2025-003","op":"revoke","opDate":"2025-07-01"}
        {"recordId":"CS-2025-004","name":"张三","idNumber":"11010519491231002X","category":"unknown","kind":"accountability","severity":"general","decidedOn":"2025-06-01"}
        {"recordId":"CS-2025-005","name":"张三","idNumber":"11010519491231002X","category":"duty","kind":"accountability","severity":"很严重","decidedOn":"2025-06-01"}
        {"recordId":"CS-2025-006","name":"李四","idNumber":"110105209912310125","category":"tax","kind":"administrative-penalty","severity":"serious","decidedOn":"2025-06-01"}
        """

    @Test(arguments: StorageBackend.allCases)
    func recordsRepairsAndRevocationsAsOf(_ backend: StorageBackend) async throws {
        let t = try await TestArchive(backend)
        let report = try await t.archive.importRecords(from: try t.file("records.ndjson", Self.feed), options: .init())
        #expect(report.accepted == 5)
        #expect(report.issues.map(\.field) == ["category", "severity", "idNumber"])
        // A real check character, but born on 2099-12-31: no such person yet.
        #expect(report.issues.last?.code == "id.birth-date-future")
        let zhang = try TestArchive.candidate("张三", "11010519491231002X")
        let policy = try PolicyCatalog.bundled().policy(named: "civil-service-2026")

        let june = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2025-06-15"))
        #expect(Set(june.findings[0].records.map(\.record.recordID)) == ["CS-2025-002", "CS-2025-003"])
        #expect(june.findings[0].records.first { $0.record.recordID == "CS-2025-002" }?.repairedOn != nil)
        #expect(june.findings[0].records.first?.record.category != nil)

        let october = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2025-10-01"))
        let decision = policy.evaluate(october.findings[0].hits, asOf: try CalendarDay(parsing: "2025-10-01"))
        #expect(decision.outcome == .review)
        #expect(Set(decision.reasons.map(\.ruleID)) == ["CS-REC-SANCTION-PERIOD", "CS-REC-REPAIRED-SERIOUS"])
        #expect(decision.reasons.first { $0.ruleID == "CS-REC-SANCTION-PERIOD" }?.evidence.category == "integrity")
    }
}
