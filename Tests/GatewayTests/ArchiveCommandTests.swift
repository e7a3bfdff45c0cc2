import CreditCore
import Foundation
import Testing

/// `credit archive` for the people who keep the integrity archive: the real executable against a
/// real gateway over mutual TLS, receipts kept and verified, exit codes as the other commands'.
@Suite("credit archive, end to end", .serialized)
struct ArchiveCommandTests {
    @Test func recordRepairAndShowAFile() async throws {
        let gateway = try await TestGateway()
        let session = try CreditClientEndToEndTests.Session(gateway)
        let archivist = gateway.pki.clients["archivist"]!
        let asArchivist: [String: String?] = ["CREDIT_CERT": archivist.certificate.path, "CREDIT_KEY": archivist.key.path, "CREDIT_OPERATOR": "jw.wang"]
        let today = ChinaTime.today
        let id = try ResidentID(region: "430102", birthDate: CalendarDay(parsing: "1988-08-08"), sequence: 57).unmaskedValue
        let person = ["--name", "周七", "--id", id]

        // A serious penalty decided 18 months ago: recorded, then repaired (its year is over).
        let added = try await session.run(["archive", "record", "add"] + person + [
            "--record-id", "CLI-1", "--category", "law-abiding", "--kind", "administrative-penalty", "--severity", "serious",
            "--decided-on", today.adding(months: -18).description, "--issuer", "长沙市税务局", "--document-number", "长税罚〔2025〕7号",
        ], environment: asArchivist)
        #expect(added.status == 0, "\(added.output)")
        #expect(added.output.contains("CLI-1: add") && !added.output.contains(id))
        let requested = try await session.run(["archive", "repair", "request", "CLI-1", "--ground", "obligations-fulfilled",
                                               "--ground", "public-commitment", "--evidence", "完税证明 2026-10"], environment: asArchivist)
        #expect(requested.status == 0, "\(requested.output)")
        let repairID = try #require(requested.output.firstMatch(of: /rep_[0-9a-z]{26}/)).output
        let approved = try await session.run(["archive", "repair", "approve", String(repairID), "--note", "材料齐全"], environment: asArchivist)
        #expect(approved.status == 0 && approved.output.contains("approved, repaired from \(today)"), "\(approved.output)")

        // A general record decided ten days ago cannot be repaired yet: refused (65), naming the day.
        let recent = try await session.run(["archive", "record", "add"] + person + [
            "--record-id", "CLI-2", "--category", "tax", "--kind", "broken-commitment", "--severity", "general",
            "--decided-on", today.adding(days: -10).description,
        ], environment: asArchivist)
        #expect(recent.status == 0, "\(recent.output)")
        let early = try await session.run(["archive", "repair", "request", "CLI-2", "--ground", "loss-recovered", "--evidence", "x"],
                                          environment: asArchivist)
        #expect(early.status == 65 && early.output.contains("repair.too-early")
                && early.output.contains(today.adding(days: -10).adding(months: 3).description), "\(early.output)")

        // The file: both records, their events and standing; the ID shown masked only.
        let shown = try await session.run(["archive", "show"] + person + ["--purpose", "repair-review", "--reference", "XF-2026-3"],
                                          environment: asArchivist)
        #expect(shown.status == 0, "\(shown.output)")
        #expect(shown.output.contains("record CLI-1") && shown.output.contains(": repaired") && shown.output.contains("record CLI-2"))
        #expect(shown.output.contains("repair \(repairID) on CLI-1: approved") && !shown.output.contains(id))
        // A bureau certificate may not read it.
        let bureau = try await session.run(["archive", "show"] + person + ["--purpose", "x1", "--reference", "r"])
        #expect(bureau.status == 65 && bureau.output.contains("role.forbidden"), "\(bureau.output)")

        // Every receipt kept verifies offline.
        let receipts = try FileManager.default.contentsOfDirectory(at: session.receipts, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "receipt" }
        #expect(receipts.count == 5)
        for receipt in receipts {
            let verified = try await session.run(["verify", receipt.path])
            #expect(verified.status == 0, "\(receipt.lastPathComponent): \(verified.output)")
        }
        try await gateway.stop()
    }
}
