import Attestation
import CreditCore
import Foundation
import Gateway
import GatewayAPI
import OpenAPIRuntime
import Testing

/// Batch jobs: an NDJSON upload, background processing, results in order, across a restart.
@Suite("Batch jobs", .serialized)
struct BatchJobTests {
    static let query = "purposeCode=civil-service-exam&recruitmentId=GK2026-7&consentReference=C-7"

    /// `count` candidate lines; lines at `bad` are not valid candidates.
    static func feed(_ count: Int, bad: Set<Int> = []) throws -> String {
        let listed = try TestGateway.listedPeople().exact
        var lines: [String] = []
        for index in 0..<count {
            if bad.contains(index) {
                lines.append(index % 2 == 0 ? #"{"name":"李四","idNumber":"110105194912310021","reference":"r\#(index)"}"# : "not json")
            } else if index == 1 {
                lines.append(#"{"name":"\#(listed.name)","idNumber":"\#(listed.id.unmaskedValue)","reference":"r\#(index)"}"#)
            } else {
                let id = try ResidentID(region: "110105", birthDate: CalendarDay(dayNumber: 2000 + index % 9000), sequence: index % 999)
                lines.append(#"{"name":"张三","idNumber":"\#(id.unmaskedValue)","reference":"r\#(index)"}"#)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func waitUntilFinished(_ gateway: TestGateway, _ id: String, atLeast: Int? = nil) async throws -> [String: Any] {
        for _ in 0..<600 {
            let job = try await gateway.raw("bureau", "GET", "/v1/batches/\(id)", contentType: nil).json
            if let atLeast, (job["done"] as? Int ?? 0) >= atLeast { return job }
            if atLeast == nil, job["status"] as? String == "finished" || job["status"] as? String == "failed" { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CancellationError()
    }

    @Test func aJobAnswersEveryLineInOrderAndReportsBadOnes() async throws {
        let gateway = try await TestGateway()
        let accepted = try await gateway.raw("bureau", "POST", "/v1/batches?\(Self.query)", body: try Self.feed(3000, bad: [10, 1501, 2998]),
                                             contentType: "application/x-ndjson")
        #expect(accepted.status == 202, "\(accepted.text)")
        let id = try #require(accepted.json["batchId"] as? String)
        #expect(accepted.json["total"] as? Int == 3000)
        let early = try await gateway.raw("bureau", "GET", "/v1/batches/\(id)/results", contentType: nil)
        #expect(early.status == 409 || early.status == 200)

        let job = try await Self.waitUntilFinished(gateway, id)
        #expect(job["status"] as? String == "finished", "\(job)")
        #expect(job["done"] as? Int == 3000 && job["errors"] as? Int == 3 && job["ineligible"] as? Int == 1)
        let results = try await gateway.raw("bureau", "GET", "/v1/batches/\(id)/results", contentType: nil)
        #expect(results.status == 200)
        #expect(results.header("content-type") == "application/x-ndjson")
        _ = try results.verifySignature(keys: try await gateway.keys())
        let lines = results.text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.map { $0["index"] as? Int } == Array(0..<3000))
        #expect(lines[10]["error"] != nil && lines[1501]["error"] != nil && lines[2998]["error"] != nil)
        #expect(((lines[1]["result"] as? [String: Any])?["decision"] as? String) == "INELIGIBLE")
        #expect(lines[0]["reference"] as? String == "r0")
        #expect(!results.text.contains("110105194912310021"))
        // Another bureau cannot see it.
        #expect(try await gateway.raw("archivist", "GET", "/v1/batches/\(id)", contentType: nil).status == 404)
        try await gateway.stop()
    }

    /// A job's answers are stored once, in its results; each is still a check of its own, served
    /// by `GET /v1/checks/{id}` as its line has it, and takes dispositions.
    @Test func aJobsAnswerIsServedAsACheckAndTakesDispositions() async throws {
        let gateway = try await TestGateway()
        let accepted = try await gateway.raw("bureau", "POST", "/v1/batches?\(Self.query)", body: try Self.feed(5, bad: [3]),
                                             contentType: "application/x-ndjson")
        let id = try #require(accepted.json["batchId"] as? String)
        #expect(try await Self.waitUntilFinished(gateway, id)["status"] as? String == "finished")
        let results = try await gateway.raw("bureau", "GET", "/v1/batches/\(id)/results", contentType: nil)
        struct Line: Decodable { var result: Components.Schemas.CheckResult? }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let answers = try results.text.split(separator: "\n").compactMap { try decoder.decode(Line.self, from: Data($0.utf8)).result }
        #expect(answers.count == 4)
        let listed = answers[1]
        #expect(listed.decision == .ineligible)

        let (disposition, stored) = try await gateway.withClient("bureau") { client in
            for answer in answers {
                #expect(try await client.getCheck(path: .init(checkId: answer.checkId)).ok.body.json.result == answer)
            }
            let disposition = try await client.recordDisposition(path: .init(checkId: listed.checkId),
                body: .json(.init(outcome: .confirmed, note: "judgment unpaid", _operator: "hr.li"))).created.body.json
            return (disposition, try await client.getCheck(path: .init(checkId: listed.checkId)).ok.body.json)
        }
        #expect(disposition.sequence == 1)
        #expect(stored.clientId == "bureau-dev" && stored.result == listed && stored.dispositions == [disposition])
        #expect(try await gateway.raw("archivist", "GET", "/v1/checks/\(listed.checkId)", contentType: nil).status == 404)
        try await gateway.stop()
    }

    @Test func aJobResumesAfterARestartWithEveryLineOnce() async throws {
        let prepared = try await TestGateway.prepare()
        let first = try await TestGateway(prepared: prepared)
        let accepted = try await first.raw("bureau", "POST", "/v1/batches?\(Self.query)", body: try Self.feed(10_000), contentType: "application/x-ndjson")
        let id = try #require(accepted.json["batchId"] as? String)
        let partial = try await Self.waitUntilFinished(first, id, atLeast: 2000)
        try await first.stop()
        #expect((partial["done"] as? Int ?? 0) < 10_000, "the job finished before the restart; make it larger")

        let second = try await TestGateway(prepared: prepared)
        let job = try await Self.waitUntilFinished(second, id)
        #expect(job["status"] as? String == "finished" && job["done"] as? Int == 10_000)
        let results = try await second.raw("bureau", "GET", "/v1/batches/\(id)/results", contentType: nil)
        let indexes = results.text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["index"] as? Int }
        #expect(indexes == Array(0..<10_000))
        // The digest covers the lines written before the restart and after it.
        _ = try results.verifySignature(keys: try await second.keys())
        try await second.stop()
    }
}

@Suite("Batch jobs named by an idempotency key")
struct BatchJobIdempotencyTests {
    @Test func theSameKeyAndBodyAnswerTheFirstJobAndAnotherBodyIsRefused() async throws {
        let gateway = try await TestGateway()
        let feed = try BatchJobTests.feed(20)
        let query = Operations.CreateBatchJob.Input.Query(purposeCode: "civil-service-exam", recruitmentId: "GK2026-7", consentReference: "C-7")
        try await gateway.withClient("bureau") { client in
            let first = try await client.createBatchJob(query: query, headers: .init(idempotencyKey: "run-1"),
                                                        body: .applicationXNdjson(HTTPBody(feed))).accepted.body.json
            let again = try await client.createBatchJob(query: query, headers: .init(idempotencyKey: "run-1"),
                                                        body: .applicationXNdjson(HTTPBody(feed))).ok.body.json
            #expect(again.batchId == first.batchId)
            let other = try await client.createBatchJob(query: query, headers: .init(idempotencyKey: "run-1"),
                                                        body: .applicationXNdjson(HTTPBody(try BatchJobTests.feed(21))))
            guard case .unprocessableContent(let refused) = other else { Issue.record("expected 422, got \(other)"); return }
            #expect(try refused.body.applicationProblemJson.code == "idempotency.mismatch")
            // Another key is another job; the same key of another client would be too.
            let fresh = try await client.createBatchJob(query: query, headers: .init(idempotencyKey: "run-2"),
                                                        body: .applicationXNdjson(HTTPBody(feed))).accepted.body.json
            #expect(fresh.batchId != first.batchId)
        }
        try await gateway.stop()
    }
}
