import AsyncHTTPClient
import Attestation
import Foundation
import Gateway
import NIOCore
import NIOSSL
import Testing

/// The public listener: server TLS only, the contract's `x-public` operations, nothing personal,
/// nothing audited, a rate per address; every operation that needs a certificate refused.
@Suite("The public listener")
struct PublicListenerTests {
    /// Every operation the contract declares, as `(method, path)`, read from the contract itself.
    static let operations: [ContractOperation] = ContractOperation.all(in: ContractTests.file)

    /// What the public listener must refuse: everything not marked `x-public`.
    static let certificateOnly = operations.filter { !$0.isPublic }

    @Test func theContractMarksExactlyThePublicRoutes() {
        let marked = Set(Self.operations.filter(\.isPublic).map { "\($0.method) \($0.path)" })
        let served = Set(PublicListener.routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(marked == served)
        #expect(!Self.certificateOnly.isEmpty)
    }

    /// One gateway for every refusal: a refusal changes nothing.
    static let shared = Task { try await TestGateway { configuration, _ in configuration.publicPort = 0 } }

    @Test(arguments: certificateOnly)
    func refusesWithoutACertificate(_ operation: ContractOperation) async throws {
        let gateway = try await Self.shared.value
        let response = try await PublicListenerTests.anonymous(gateway, operation.method, operation.samplePath,
                                                               body: operation.method == "GET" ? nil : "{}")
        #expect(response.status == 403, "\(operation.method) \(operation.path): \(response.text)")
        #expect(response.json["code"] as? String == "certificate.required")
    }

    @Test func servesThePublicOperationsSignedWithNothingPersonalAndUnaudited() async throws {
        let gateway = try await TestGateway { configuration, _ in configuration.publicPort = 0 }
        let name = "欧阳明月"
        let id = "11010519491231002X"
        let check = try await gateway.raw("bureau", "POST", "/v1/checks", body: """
            {"candidate":{"name":"\(name)","idNumber":"\(id)"},"purpose":{"code":"civil-service-exam","recruitmentId":"GK2026-0001","consentReference":"C-1"}}
            """)
        #expect(check.status == 200)
        let keys = try await gateway.keys()
        let before = try await Self.anonymous(gateway, "GET", "/v1/audit/checkpoint").text
        let sizeBefore = try Checkpoint.open(before, verifiers: keys.noteVerifiers(name: "creditgate.local/audit"), origin: "creditgate.local/audit").size

        let paths = [
            "/", "/page/verify.js", "/page/page.js", "/page/style.css", "/page/seal.svg", "/v1/keys", "/v1/audit/checkpoint",
            "/v1/audit/checkpoints?from=0&limit=1000", "/v1/audit/growth?points=200", "/v1/audit/proofs/inclusion?index=0&treeSize=\(sizeBefore)",
            "/v1/audit/proofs/consistency?from=1&to=\(sizeBefore)", "/v1/archive/status", "/v1/archive/imports?limit=1000",
        ]
        for path in paths {
            let response = try await Self.anonymous(gateway, "GET", path)
            #expect(response.status == 200, "\(path): \(response.text)")
            // Signed as every answer is, and the page held to its own scripts and this listener.
            _ = try response.verifySignature(keys: keys)
            #expect(response.header("content-security-policy")?.contains("script-src 'self'") == true, "\(path)")
            // Nothing personal: not the name, not the ID (whole, masked, or its digits run).
            for personal in [name, id, "110105********002X", "19491231"] {
                #expect(!response.text.contains(personal), "\(path) holds \(personal)")
            }
            if response.header("content-type")?.hasPrefix("application/json") == true {
                #expect(!response.text.contains("candidate"), "\(path)")
            }
        }
        // The public reads added nothing to the log; the same reads over mutual TLS are audited.
        let after = try await Self.anonymous(gateway, "GET", "/v1/audit/checkpoint").text
        #expect(after == before)
        _ = try await gateway.raw("auditor", "GET", "/v1/archive/imports", contentType: nil)
        let audited = try await Self.anonymous(gateway, "GET", "/v1/audit/checkpoint").text
        #expect(audited != before)
        try await gateway.stop()
    }

    @Test(arguments: TestGateway.Backend.allCases)
    func pagesOfHistory(_ backend: TestGateway.Backend) async throws {
        let gateway = try await TestGateway(on: backend) { configuration, _ in configuration.publicPort = 0 }
        for _ in 0..<4 { _ = try await gateway.raw("auditor", "GET", "/v1/keys", contentType: nil) }
        var sizes: [Int] = []
        var from = 0
        while true {
            let page = try await Self.anonymous(gateway, "GET", "/v1/audit/checkpoints?from=\(from)&limit=2").json
            let checkpoints = try #require(page["checkpoints"] as? [[String: Any]])
            sizes += checkpoints.compactMap { $0["size"] as? Int }
            guard let next = page["next"] as? Int else { break }
            from = next
        }
        #expect(sizes == Array(1...sizes.count), "every checkpoint once, in order")
        #expect(sizes.count >= 5)

        let imports = try await Self.anonymous(gateway, "GET", "/v1/archive/imports?limit=1").json
        let first = try #require((imports["imports"] as? [[String: Any]])?.first)
        #expect(first["kind"] as? String == "records")
        let next = try #require(imports["next"] as? Int)
        let older = try await Self.anonymous(gateway, "GET", "/v1/archive/imports?before=\(next)").json
        #expect((older["imports"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["defaulters"])
        #expect(older["next"] == nil)

        let growth = try await Self.anonymous(gateway, "GET", "/v1/audit/growth?points=3").json
        let points = try #require(growth["points"] as? [[String: Any]])
        #expect(points.compactMap { $0["size"] as? Int }.last == growth["size"] as? Int)
        #expect(points.allSatisfy { $0["time"] is String })
        try await gateway.stop()
    }

    @Test func ratesEachAddress() async throws {
        let gateway = try await TestGateway { configuration, _ in
            configuration.publicPort = 0
            configuration.publicRatePerSecond = 0.01
            configuration.publicRateBurst = 3
        }
        for _ in 0..<3 { #expect(try await Self.anonymous(gateway, "GET", "/v1/keys").status == 200) }
        let refused = try await Self.anonymous(gateway, "GET", "/v1/keys")
        #expect(refused.status == 429)
        #expect(refused.json["code"] as? String == "rate.limited")
        #expect(Int(refused.header("retry-after") ?? "") ?? 0 >= 1)
        // The mutual-TLS listener is not limited by the public one's buckets.
        #expect(try await gateway.raw("auditor", "GET", "/v1/keys", contentType: nil).status == 200)
        try await gateway.stop()
    }

    @Test func unknownPathsAndMethods() async throws {
        let gateway = try await TestGateway { configuration, _ in configuration.publicPort = 0 }
        #expect(try await Self.anonymous(gateway, "GET", "/nothing/here").status == 404)
        #expect(try await Self.anonymous(gateway, "GET", "/page/missing.js").status == 404)
        let wrongMethod = try await Self.anonymous(gateway, "DELETE", "/v1/keys")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("allow") == "GET")
        try await gateway.stop()
    }

    /// A request to the public listener, presenting no certificate, trusting the test CA.
    static func anonymous(_ gateway: TestGateway, _ method: String, _ path: String, body: String? = nil) async throws -> TestGateway.RawResponse {
        try await TestGateway.withHTTPClient(pki: gateway.pki, role: nil) { http in
            try await TestGateway.send(method, gateway.publicURL, path, body: body, contentType: body == nil ? nil : "application/json", with: http)
        }
    }
}

/// One operation of the contract, read from `openapi.yaml`'s paths: its method, its path and
/// whether it is marked `x-public: true`.
struct ContractOperation: Sendable, CustomTestStringConvertible {
    var method: String
    var path: String
    var isPublic: Bool

    var testDescription: String { "\(method) \(path)" }

    /// The path with each parameter given a well-formed value.
    var samplePath: String {
        path.replacingOccurrences(of: #"\{[A-Za-z]+\}"#, with: "sample", options: .regularExpression)
    }

    static func all(in file: URL) -> [ContractOperation] {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        var operations: [ContractOperation] = []
        var path: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, let method = ["get", "post", "put", "patch", "delete"].first(where: { line == "    \($0):" }) {
                operations.append(ContractOperation(method: method.uppercased(), path: path, isPublic: false))
            } else if line == "      x-public: true", !operations.isEmpty {
                operations[operations.count - 1].isPublic = true
            }
        }
        return operations
    }
}
