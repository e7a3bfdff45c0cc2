import ArchiveClient
import CreditCore
import Foundation
import GatewayAPI
import Testing

/// PIPL asks for minimisation: a full ID number a bureau sends is kept only while it is needed.
/// After single checks, an inline batch, dispositions, a finished batch job and an archive
/// import, no full number that was sent is anywhere in the gateway's folder, in any file, in any
/// byte (SQLite's free pages and write-ahead log included), except the archive's own listings.
@Suite("Full ID numbers at rest")
struct PersonalDataAtRestTests {
    @Test func noFullIDSentIsLeftInTheGatewaysFolder() async throws {
        let gateway = try await TestGateway()
        let listed = try TestGateway.listedPeople().exact
        let strangers = try (0..<400).map {
            try ResidentID(region: "320102", birthDate: CalendarDay(dayNumber: 3000 + $0 * 17), sequence: 100 + $0 % 800)
        }

        let answers = try await gateway.withClient("bureau") { client in
            var answers: [Components.Schemas.CheckResult] = []
            for id in strangers[0..<5] + [listed.id] {
                answers.append(try await client.createCheck(body: .json(.init(
                    candidate: .init(name: id == listed.id ? listed.name : "陈七", idNumber: id.unmaskedValue), purpose: TestGateway.purpose))).ok.body.json)
            }
            let inline = try await client.createBatchCheck(body: .json(.init(purpose: TestGateway.purpose, candidates: strangers[5..<15].map {
                .init(name: "陈七", idNumber: $0.unmaskedValue, reference: nil)
            }))).ok.body.json
            #expect(inline.items.count == 10)
            for outcome in [Components.Schemas.DispositionRequest.OutcomePayload.confirmed, .overturned] {
                _ = try await client.recordDisposition(path: .init(checkId: answers[5].checkId), body: .json(.init(outcome: outcome, _operator: "hr.li")))
                    .created.body.json
            }
            return answers
        }
        #expect(answers[5].decision == .ineligible)

        let job = strangers[15...].enumerated().map { #"{"name":"陈七","idNumber":"\#($1.unmaskedValue)","reference":"r\#($0)"}"# }
        let accepted = try await gateway.raw("bureau", "POST", "/v1/batches?\(BatchJobTests.query)", body: job.joined(separator: "\n") + "\n",
                                             contentType: "application/x-ndjson")
        let finished = try await BatchJobTests.waitUntilFinished(gateway, try #require(accepted.json["batchId"] as? String))
        #expect(finished["status"] as? String == "finished" && finished["done"] as? Int == strangers.count - 15)

        var generator = try SyntheticArchive(seed: 77)
        let newcomer = generator.person()
        let listing = #"{"iname":"\#(newcomer.name)","cardNum":"\#(newcomer.id.unmaskedValue)","caseCode":"(2025)京0105执8888号","courtName":"北京市朝阳区人民法院","regDate":"20250102","publishDate":"2025年03月04日"}"#
        let imported = try await gateway.raw("archivist", "POST", "/v1/archive/imports?source=court-2025-04", body: listing + "\n",
                                             contentType: "application/x-ndjson")
        #expect(imported.status == 200 && imported.json["accepted"] as? Int == 1, "\(imported.text)")
        // While the gateway runs (its write-ahead logs as they are) and once it has stopped.
        let running = try Self.fullIDs(strangers, listed: [listed.id, newcomer.id], in: gateway.folder)
        #expect(running.isEmpty, "\(running.prefix(20))")
        try await gateway.stop()
        let stopped = try Self.fullIDs(strangers, listed: [listed.id, newcomer.id], in: gateway.folder)
        #expect(stopped.isEmpty, "\(stopped.prefix(20))")
    }

    /// Where in `folder` any of `ids` is, as "file: masked ID"; the archive holds the people it
    /// lists, so their numbers are looked for everywhere else.
    static func fullIDs(_ ids: [ResidentID], listed: [ResidentID], in folder: URL) throws -> [String] {
        var found: [String] = []
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])?
            .compactMap { $0 as? URL }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true } ?? []
        #expect(files.contains { $0.lastPathComponent == "batches.sqlite" })
        for file in files {
            let bytes = try Data(contentsOf: file)
            let isArchive = file.lastPathComponent.hasPrefix("archive.sqlite")
            for id in ids + (isArchive ? [] : listed) where bytes.range(of: Data(id.unmaskedValue.utf8)) != nil {
                found.append("\(file.path.dropFirst(folder.path.count)): \(id.masked)")
            }
        }
        return found
    }
}
