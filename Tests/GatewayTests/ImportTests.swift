import Attestation
import ArchiveClient
import CreditCore
import Foundation
import Gateway
import Testing

/// Feeds uploaded through the API: streamed to disk, imported in one transaction, reported.
@Suite("Archive imports over the API", .serialized)
struct ImportTests {
    @Test func anArchivistUploadsAFeedAndChecksSeeIt() async throws {
        let gateway = try await TestGateway()
        // A new listing, a bad line, and a second good line.
        var generator = try SyntheticArchive(seed: 4242)
        let person = generator.person()
        let listing = #"{"iname":"\#(person.name)","cardNum":"\#(person.id.unmaskedValue)","caseCode":"(2025)京0105执9999号","courtName":"北京市朝阳区人民法院","regDate":"20250102","publishDate":"2025年03月04日","disruptTypeName":"有履行能力而拒不履行生效法律文书确定义务"}"#
        let bad = #"{"iname":"李四","cardNum":"110105194912310021","caseCode":"(2025)京0105执1号","courtName":"北京市朝阳区人民法院","regDate":"20250102","publishDate":"2025年03月04日"}"#
        let feed = [listing, bad].joined(separator: "\n") + "\n"

        let refused = try await gateway.raw("bureau", "POST", "/v1/archive/imports", body: feed, contentType: "application/x-ndjson")
        #expect(refused.status == 403 && refused.json["code"] as? String == "role.forbidden")

        let before = try await gateway.raw("archivist", "GET", "/v1/archive/status", contentType: nil).json
        let imported = try await gateway.raw("archivist", "POST", "/v1/archive/imports?source=court-2025-03", body: feed, contentType: "application/x-ndjson")
        #expect(imported.status == 200, "\(imported.text)")
        let report = imported.json
        #expect(report["accepted"] as? Int == 1 && report["rejected"] as? Int == 1)
        let issue = try #require((report["issues"] as? [[String: Any]])?.first)
        #expect(issue["line"] as? Int == 2 && issue["code"] as? String == "id.checksum")
        #expect(!imported.text.contains("110105194912310021"))
        let beforeSequence = (before["archive"] as? [String: Any])?["sequence"] as? Int ?? 0
        #expect((report["archive"] as? [String: Any])?["sequence"] as? Int == beforeSequence + 1)

        // The same bytes again change nothing.
        let again = try await gateway.raw("archivist", "POST", "/v1/archive/imports", body: feed, contentType: "application/x-ndjson")
        #expect(again.json["alreadyImported"] as? Bool == true)

        // A strict import of a feed with a bad line is refused whole.
        let strict = try await gateway.raw("archivist", "POST", "/v1/archive/imports?strict=true", body: bad + "\n", contentType: "application/x-ndjson")
        #expect(strict.status == 422 && strict.json["code"] as? String == "import.strict")

        // The new listing is found by the next check.
        let check = #"{"candidate":{"name":"\#(person.name)","idNumber":"\#(person.id.unmaskedValue)"},"purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"C1"},"asOf":"2025-06-01"}"#
        let answer = try await gateway.raw("bureau", "POST", "/v1/checks", body: check)
        #expect(answer.json["decision"] as? String == "INELIGIBLE", "\(answer.text)")
        let entries = try await gateway.raw("auditor", "GET", "/v1/audit/entries?start=0&count=100", contentType: nil).text
        #expect(entries.contains("createImport") && entries.contains("accepted=1"))
        // The upload was streamed to disk; its entry still holds the digest of the bytes as sent.
        #expect(entries.contains(try gateway.requestDigest(of: Array(feed.utf8))))
        #expect(!entries.contains(ContentDigest.header(for: Array(feed.utf8))))
        try await gateway.stop()
    }

    /// Found by schemathesis: an empty body was imported as a new archive version, a binary one was
    /// a 500, an over-long `source` was taken. Each is a 422 now, and the archive does not move.
    @Test func uploadsThatAreNoFeedAreRefused() async throws {
        let gateway = try await TestGateway()
        let before = try await gateway.raw("archivist", "GET", "/v1/archive/status", contentType: nil).json["archive"] as? [String: Any]
        // The start of a zip file: no CSV header in any encoding.
        let zip: [UInt8] = [0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, 0x41]
        for (query, bytes, code) in [("", [UInt8](), "import.empty"), ("", Array("\n\r\n\n".utf8), "import.empty"),
                                     ("?format=csv", zip, "import.unreadable"),
                                     ("?source=\(String(repeating: "s", count: 201))", Array("x\n".utf8), "source.invalid")] {
            let response = try await gateway.raw("archivist", "POST", "/v1/archive/imports\(query)", bytes: bytes, contentType: "application/octet-stream")
            #expect(response.status == 422 && response.json["code"] as? String == code, "\(code): \(response.text)")
        }
        let after = try await gateway.raw("archivist", "GET", "/v1/archive/status", contentType: nil).json["archive"] as? [String: Any]
        #expect(after?["sequence"] as? Int == before?["sequence"] as? Int)
        try await gateway.stop()
    }

    @Test func aCSVFeedInGB18030IsReadAsSuch() async throws {
        let gateway = try await TestGateway()
        var generator = try SyntheticArchive(seed: 777)
        let person = generator.person()
        let csv = "姓名,证件号码,案号,执行法院,立案时间,发布时间\n\(person.name),\(person.id.unmaskedValue),(2024)湘0102执77号,长沙市芙蓉区人民法院,20240105,2024年02月03日\n"
        let gb18030 = try #require(csv.data(using: String.Encoding(rawValue: 0x8000_0632)))
        let response = try await gateway.raw("archivist", "POST", "/v1/archive/imports?format=csv", bytes: Array(gb18030), contentType: "text/csv")
        let report = response.json
        #expect(response.status == 200, "\(response.text)")
        #expect(report["accepted"] as? Int == 1 && report["encoding"] as? String == "GB18030", "\(report)")
        try await gateway.stop()
    }
}
