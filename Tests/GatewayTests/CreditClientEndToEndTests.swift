import Attestation
import CreditClient
import CreditCore
import Foundation
import Gateway
import GatewayAPI
import Testing
import TestSupport

/// The real `credit` executable against a real gateway over mutual TLS.
@Suite("credit, the HR staff client, end to end", .serialized)
struct CreditClientEndToEndTests {
    /// A folder for receipts and files, and the environment that points `credit` at `gateway`.
    struct Session {
        let gateway: TestGateway
        let folder: URL
        var receipts: URL { folder.appendingPathComponent("receipts") }

        /// `folder` is another session's, to go on with its receipts against another gateway.
        init(_ gateway: TestGateway, folder: URL = TemporaryFiles.url("credit-e2e")) throws {
            self.gateway = gateway
            self.folder = folder
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        var environment: [String: String] {
            let bureau = gateway.pki.clients["bureau"]!
            return [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C",
                "CREDIT_CONFIG": folder.appendingPathComponent("no-config.json").path,
                "CREDIT_SERVER": "https://localhost:\(gateway.port)", "CREDIT_CA": gateway.pki.ca.certificate.path,
                "CREDIT_CERT": bureau.certificate.path, "CREDIT_KEY": bureau.key.path, "CREDIT_RECEIPTS": receipts.path,
                "CREDIT_PURPOSE": "civil-service-exam", "CREDIT_RECRUITMENT_ID": "GK2026-0001", "CREDIT_CONSENT": "CONSENT-1",
                "CREDIT_OPERATOR": "hr.li",
            ]
        }

        static var executable: URL {
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("credit")
        }

        /// `overrides` change the session's environment for this run; `nil` removes a variable.
        func start(_ arguments: [String], environment overrides: [String: String?] = [:]) throws -> RunningProcess {
            try RunningProcess.start(
                Self.executable, arguments,
                environment: environment.merging(overrides.compactMapValues { $0 }) { $1 }.filter { overrides[$0.key] != .some(nil) }, in: folder)
        }

        func run(_ arguments: [String], environment overrides: [String: String?] = [:]) async throws -> (status: Int32, output: String) {
            try await start(arguments, environment: overrides).finish()
        }

        func receipt(_ name: String) -> URL { receipts.appendingPathComponent(name) }
    }

    /// A candidate file: `rows` rows, listed people first, `bad` rows with broken IDs at fixed places.
    static func candidates(rows: Int, badLines: Set<Int> = []) throws -> (text: String, bad: [Int]) {
        let people = try TestGateway.listedPeople()
        var lines = ["编号,姓名,身份证号"]
        for row in 0..<rows {
            let line = row + 2
            if badLines.contains(line) {
                lines.append("B\(row),坏行,110105194912310021")
            } else if row == 0 {
                lines.append("R\(row),\(people.exact.name),\(people.exact.id.unmaskedValue)")
            } else if row == 1 {
                lines.append("R\(row),\(people.masked.name),\(people.masked.id.unmaskedValue)")
            } else {
                lines.append("R\(row),张三,\(try ResidentID(region: "430102", birthDate: CalendarDay(dayNumber: 3_000 + row), sequence: row % 999).unmaskedValue)")
            }
        }
        return (lines.joined(separator: "\r\n") + "\r\n", badLines.sorted())
    }

    static func csvLines(_ file: URL) throws -> [String] {
        let bytes = Array(try Data(contentsOf: file))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "Excel needs the BOM to read UTF-8")
        return String(decoding: bytes.dropFirst(3), as: UTF8.self).split(separator: "\r\n").map(String.init)
    }

    @Test func eachOutcomeHasItsExitCodeAndEveryReceiptVerifiesOfflineUnlessTampered() async throws {
        let gateway = try await TestGateway()
        let session = try Session(gateway)
        let people = try TestGateway.listedPeople()

        let listed = try await session.run(["check", "--name", people.exact.name, "--id", people.exact.id.unmaskedValue])
        #expect(listed.status == 11, "\(listed.output)")
        #expect(listed.output.contains("INELIGIBLE") && listed.output.contains("Basis:") && listed.output.contains(people.exact.id.masked))
        #expect(!listed.output.contains(people.exact.id.unmaskedValue))
        let probable = try await session.run(["check", "--name", people.masked.name, "--id", people.masked.id.unmaskedValue])
        #expect(probable.status == 10, "\(probable.output)")
        #expect(probable.output.contains("probable"))
        let stranger = try await session.run(["check", "--name", "张三", "--id", "11010519491231002X", "--json"])
        #expect(stranger.status == 0, "\(stranger.output)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let answer = try decoder.decode(Components.Schemas.CheckResult.self, from: Data(stranger.output.utf8))
        #expect(answer.decision == .clear)
        let typo = try await session.run(["check", "--name", "张三", "--id", "110105194912310021"])
        #expect(typo.status == 64 && typo.output.contains("id.checksum") && !typo.output.contains("110105194912310021"))
        let unborn = try await session.run(["check", "--name", "张三", "--id", "110105209912310125"])
        #expect(unborn.status == 64 && unborn.output.contains("id.birth-date-future") && !unborn.output.contains("110105209912310125"))

        let refused = try await session.run(["check", "--name", "张三", "--id", "11010519491231002X", "--policy", "no-such-policy"])
        #expect(refused.status == 65 && refused.output.contains("policy.unknown"), "\(refused.output)")

        let disposed = try await session.run(["dispose", answer.checkId, "--outcome", "overturned", "--note", "同名不同人"])
        #expect(disposed.status == 0, "\(disposed.output)")
        #expect(try await session.run(["status"]).status == 0)
        let consistency = try await session.run(["audit", "consistency"])
        #expect(consistency.status == 0 && consistency.output.contains("consistent"), "\(consistency.output)")
        try await gateway.stop()

        // Offline from here on: the gateway is gone.
        let unreachable = try await session.run(["status"])
        #expect(unreachable.status == 69, "\(unreachable.output)")
        let receipts = try FileManager.default.contentsOfDirectory(atPath: session.receipts.path).filter { $0.hasSuffix(".receipt") }.sorted()
        #expect(receipts.count == 4)
        let genuine = try await session.run(["verify"] + receipts.map { session.receipt($0).path })
        #expect(genuine.status == 0, "\(genuine.output)")
        #expect(genuine.output.components(separatedBy: "✓ audit proofs").count - 1 == 4)

        let original = session.receipt("\(answer.checkId).receipt")
        let text = try String(contentsOf: original, encoding: .utf8)
        func verifyAltered(_ altered: String) async throws -> (status: Int32, output: String) {
            let file = session.folder.appendingPathComponent("altered-\(UUID().uuidString).receipt")
            try altered.write(to: file, atomically: true, encoding: .utf8)
            return try await session.run(["verify", file.path])
        }
        let body = try await verifyAltered(text.replacingOccurrences(of: "\"CLEAR\"", with: "\"REVIEW\""))
        #expect(body.status == 20 && body.output.contains("✗ content digest"), "\(body.output)")
        let header = try await verifyAltered(text.replacingOccurrences(of: "content-type: application/json", with: "content-type: text/plain"))
        #expect(header.status == 20 && header.output.contains("✗ signature") && header.output.contains("✓ content digest"), "\(header.output)")

        let otherKeys = session.folder.appendingPathComponent("other-keys.json")
        try JSONEncoder().encode(JWKSet(keys: [Ed25519SigningKey().publicKey.jwk])).write(to: otherKeys)
        let wrongKey = try await session.run(["verify", original.path, "--keys", otherKeys.path])
        #expect(wrongKey.status == 20 && wrongKey.output.contains("✗ signature"), "\(wrongKey.output)")

        // The answer's proof, held to the (genuine, signed) checkpoint of another answer.
        let other = try String(contentsOf: session.receipt(receipts.first { !$0.hasPrefix(answer.checkId) }!), encoding: .utf8)
        func checkpointField(_ receipt: String) throws -> String {
            let start = try #require(receipt.range(of: "\"checkpoint\":"))
            let end = try #require(receipt[start.upperBound...].range(of: "\",\""))
            return String(receipt[start.lowerBound..<end.lowerBound])
        }
        let swapped = text.replacingOccurrences(of: try checkpointField(text), with: try checkpointField(other))
        #expect(swapped != text)
        let foreign = try await verifyAltered(swapped)
        #expect(foreign.status == 20 && foreign.output.contains("✗ audit proofs"), "\(foreign.output)")
    }

    /// A gateway that turns `signing.sm2` on: `credit` learns the new SM2 key when it first sees
    /// it beside the Ed25519 key it knew, `credit verify` checks both signatures and the SM2 line of
    /// each checkpoint, `--require sm2` passes, and either signature altered fails the receipt. A
    /// receipt signed before the switch fails `--require sm2`.
    @Test func dualSignedReceiptsVerifyAndEitherSignatureAlteredIsRefused() async throws {
        let prepared = try await TestGateway.prepare()
        let before = try await TestGateway(prepared: prepared)
        let earlier = try Session(before)
        #expect(try await earlier.run(["check", "--name", "张三", "--id", "11010519491231002X"]).status == 0)
        try await before.stop()
        let ed25519Only = try FileManager.default.contentsOfDirectory(atPath: earlier.receipts.path).filter { $0.hasSuffix(".receipt") }
        try #require(ed25519Only.count == 1)
        let required = try await earlier.run(["verify", "--require", "sm2", earlier.receipt(ed25519Only[0]).path])
        #expect(required.status == 20 && required.output.contains("has no sm2-sm3 signature, which is required"), "\(required.output)")
        let moved = earlier.folder.appendingPathComponent("before-sm2.receipt")
        try FileManager.default.moveItem(at: earlier.receipt(ed25519Only[0]), to: moved)

        var switched = prepared
        switched.2.signsWithSM2 = true
        let gateway = try await TestGateway(prepared: switched)
        let session = try Session(gateway, folder: earlier.folder)
        let answer = try await session.run(["check", "--name", "张三", "--id", "11010519491231002X"])
        #expect(answer.status == 0, "\(answer.output)")
        let batch = session.folder.appendingPathComponent("candidates.csv")
        try Data(try Self.candidates(rows: 20).text.utf8).write(to: batch)
        let batched = try await session.run(["batch", batch.path, "-o", session.folder.appendingPathComponent("results.csv").path])
        #expect(batched.status == 0, "\(batched.output)")
        try await gateway.stop()

        let receipts = try FileManager.default.contentsOfDirectory(atPath: session.receipts.path).filter { $0.hasSuffix(".receipt") }.map(session.receipt)
        #expect(receipts.count == 2)
        let genuine = try await session.run(["verify", "--require", "sm2"] + receipts.map(\.path))
        #expect(genuine.status == 0, "\(genuine.output)")
        #expect(genuine.output.components(separatedBy: "sm2-sm3 keyid").count - 1 == 2)

        let text = try String(contentsOf: receipts[0], encoding: .utf8)
        for label in ["sig", "sig2"] {
            let start = try #require(text.range(of: "\(label)=:"))
            let altered = text.replacingCharacters(in: start.upperBound..<text.index(after: start.upperBound),
                                                   with: text[start.upperBound] == "A" ? "B" : "A")
            let file = session.folder.appendingPathComponent("altered-\(label).receipt")
            try altered.write(to: file, atomically: true, encoding: .utf8)
            let refused = try await session.run(["verify", file.path])
            #expect(refused.status == 20 && refused.output.contains("✗ signature") && refused.output.contains("signature \(label):"), "\(refused.output)")
        }
        // The receipt from before the switch still verifies without the requirement.
        #expect(try await session.run(["verify", moved.path]).status == 0)
    }

    /// With `$HOME` elsewhere than the account's home and no `XDG_CONFIG_HOME`, `credit config init`
    /// writes under `$HOME` and every later command reads it from there.
    @Test func theConfigFileIsWrittenAndReadUnderHome() async throws {
        let gateway = try await TestGateway()
        let session = try Session(gateway)
        let home = session.folder.appendingPathComponent("home")
        let environment: [String: String?] = [
            "HOME": home.path, "CREDIT_CONFIG": nil, "XDG_CONFIG_HOME": nil, "CREDIT_OPERATOR": nil, "CREDIT_RECRUITMENT_ID": nil,
        ]
        let written = try await session.run(["config", "init", "--operator", "hr.wang", "--recruitment", "GK2026-0002"], environment: environment)
        #expect(written.status == 0, "\(written.output)")
        #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent(".config/credit/config.json").path))
        let shown = try await session.run(["config", "show"], environment: environment)
        #expect(shown.status == 0 && shown.output.contains("hr.wang") && shown.output.contains("GK2026-0002"), "\(shown.output)")
        try await gateway.stop()
    }

    @Test func aTenThousandRowBatchWithThreeBadRows() async throws {
        let gateway = try await TestGateway()
        let session = try Session(gateway)
        let (text, bad) = try Self.candidates(rows: 10_000, badLines: [3, 5_000, 10_001])
        let input = session.folder.appendingPathComponent("candidates.csv")
        try Data([0xEF, 0xBB, 0xBF] + Array(text.utf8)).write(to: input)
        let output = session.folder.appendingPathComponent("results.csv")
        let run = try await session.run(["batch", input.path, "-o", output.path])
        #expect(run.status == 12, "\(run.output)")
        for line in bad { #expect(run.output.contains("line \(line) [身份证号]")) }
        #expect(run.output.contains("not checked: 3"))
        #expect(!run.output.contains("110105194912310021"))

        let lines = try Self.csvLines(output)
        try #require(lines.count == 10_001)
        #expect(lines[0] == "line,reference,name,maskedId,decision,reasons,checkId,receipt,error")
        let byLine = Dictionary(uniqueKeysWithValues: lines.dropFirst().map { (Int($0.prefix { $0 != "," })!, $0) })
        #expect(byLine.count == 10_000)
        for line in bad { #expect(byLine[line]?.hasSuffix("id.checksum: the check character does not match (身份证号)") == true) }
        #expect(byLine[2]?.contains(",INELIGIBLE,") == true)
        #expect(lines.filter { $0.contains(",CLEAR,") }.count >= 9_990)
        #expect(!lines.contains { $0.contains("110105194912310021") })

        let receipt = try #require(byLine[4]?.split(separator: ",", omittingEmptySubsequences: false)[7])
        let verified = try await session.run(["verify", String(receipt)])
        #expect(verified.status == 0 && verified.output.contains("9997 inclusion proof(s)"), "\(verified.output)")
        try await gateway.stop()
    }

    @Test func aGB18030FileAsExcelSavesIt() async throws {
        let gateway = try await TestGateway()
        let session = try Session(gateway)
        let people = try TestGateway.listedPeople()
        let text = "姓名,身份证号\r\n\(people.exact.name),\(people.exact.id.unmaskedValue)\r\n欧阳娜娜,11010519491231002X\r\n"
        let input = session.folder.appendingPathComponent("报名表.csv")
        try #require(text.data(using: CSV.Encoding.foundationGB18030)).write(to: input)
        let output = session.folder.appendingPathComponent("结果.csv")
        let run = try await session.run(["batch", input.path, "-o", output.path])
        #expect(run.status == 0, "\(run.output)")
        let lines = try Self.csvLines(output)
        try #require(lines.count == 3)
        #expect(lines[1].hasPrefix("2,,\(people.exact.name),\(people.exact.id.masked),INELIGIBLE,"))
        #expect(lines[2].hasPrefix("3,,欧阳娜娜,110105********002X,CLEAR,"))
        try await gateway.stop()
    }

    @Test func aBatchKilledMidwayResumesWithoutLosingOrRecheckingARow() async throws {
        let gateway = try await TestGateway()
        let session = try Session(gateway)
        let (text, _) = try Self.candidates(rows: 3_000)
        let input = session.folder.appendingPathComponent("candidates.csv")
        try Data(text.utf8).write(to: input)
        let output = session.folder.appendingPathComponent("results.csv")
        let arguments = ["batch", input.path, "-o", output.path, "--job-size", "300"]
        let stateFile = session.folder.appendingPathComponent("results.csv.credit-batch.json")

        // Killed (-9) once two of its ten jobs are written.
        let running = try session.start(arguments)
        let first = running.process
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, first.isAlive {
            let state = try? JSONDecoder().decode(BatchState.self, from: Data(contentsOf: stateFile))
            if (state?.parts.filter { $0.counts != nil }.count ?? 0) >= 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(first.isAlive, "the first run ended before it could be interrupted")
        kill(first.processIdentifier, SIGKILL)
        _ = try await running.finish()

        let resumed = try await session.run(arguments)
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("Resuming"))
        let lines = try Self.csvLines(output).dropFirst()
        #expect(lines.map { Int($0.prefix { $0 != "," })! } == Array(2...3_001))
        #expect(!FileManager.default.fileExists(atPath: stateFile.path))

        // Every job the gateway made, from its audit log: ten of 300 lines, none made twice.
        var created: [String] = []
        try await gateway.withClient("auditor") { client in
            var start: Int64 = 0
            while true {
                let page = try await client.getAuditEntries(query: .init(start: start, count: 1000)).ok.body.json.entries
                created += page.map(\.entry).filter { $0.contains("\"operation\":\"createBatchJob\"") && $0.contains("lines=") }
                guard page.count == 1000 else { break }
                start += 1000
            }
        }
        #expect(created.count == 10)
        #expect(created.allSatisfy { $0.contains("lines=300") })
        try await gateway.stop()
    }
}
