import AsyncHTTPClient
import Crypto
import Foundation
import Gateway
import Testing
import X509
import TestSupport

/// Who may call what: certificates, the registry, the revocation list, roles.
@Suite("Access over mutual TLS", .serialized)
struct AccessTests {
    static let check = #"{"candidate":{"name":"张三","idNumber":"11010519491231002X"},"purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"C1"}}"#

    @Test func eachRoleMayDoItsOperationsAndIsRefusedOthers() async throws {
        let gateway = try await TestGateway()
        // (role, method, path, body, allowed)
        let cases: [(String, String, String, String?, Bool)] = [
            ("bureau", "POST", "/v1/checks", Self.check, true),
            ("admin", "POST", "/v1/checks", Self.check, true),
            ("auditor", "POST", "/v1/checks", Self.check, false),
            ("archivist", "POST", "/v1/checks", Self.check, false),
            ("auditor", "GET", "/v1/audit/entries?start=0&count=5", nil, true),
            ("admin", "GET", "/v1/audit/entries?start=0&count=5", nil, true),
            ("bureau", "GET", "/v1/audit/entries?start=0&count=5", nil, false),
            ("archivist", "GET", "/v1/archive/status", nil, true),
            ("bureau", "GET", "/v1/audit/checkpoint", nil, true),
            ("auditor", "GET", "/v1/keys", nil, true),
        ]
        for (role, method, path, body, allowed) in cases {
            let response = try await gateway.raw(role, method, path, body: body, contentType: body == nil ? nil : "application/json")
            if allowed {
                #expect(response.status == 200, "\(role) \(method) \(path): \(response.status) \(response.text)")
            } else {
                #expect(response.status == 403, "\(role) \(method) \(path)")
                #expect(response.json["code"] as? String == "role.forbidden")
                #expect(response.header("content-type") == "application/problem+json")
            }
        }
        // The refusals are in the audit log.
        let entries = try await gateway.raw("auditor", "GET", "/v1/audit/entries?start=0&count=100", contentType: nil).text
        #expect(entries.contains("refused 403 role.forbidden"))
        try await gateway.stop()
    }

    @Test func noCertificateOrAnotherCAFailsTheHandshake() async throws {
        let gateway = try await TestGateway()
        await #expect(throws: (any Error).self) { try await gateway.raw(nil, "GET", "/healthz", contentType: nil) }

        let stranger = try DevelopmentPKI.create(in: gateway.folder.appendingPathComponent("other-ca"))
        let client = try gateway.httpClient(role: nil, certificate: stranger.clients["bureau"]!.certificate, key: stranger.clients["bureau"]!.key)
        await #expect(throws: (any Error).self) { try await gateway.raw(nil, "GET", "/healthz", contentType: nil, client: client) }
        try await client.shutdown()

        // With the right CA, the same request works.
        #expect(try await gateway.raw("bureau", "GET", "/healthz", contentType: nil).status == 200)
        try await gateway.stop()
    }

    @Test func aValidButUnregisteredCertificateIsRefusedAndRecorded() async throws {
        let gateway = try await TestGateway()
        // A certificate from the same CA, not in the registry: re-make the PKI's bureau client under the same CA.
        let unregistered = try Self.issue(commonName: "walk-in", pki: gateway.pki)
        let client = try gateway.httpClient(role: nil, certificate: unregistered.certificate, key: unregistered.key)
        let response = try await gateway.raw(nil, "GET", "/healthz", contentType: nil, client: client)
        try await client.shutdown()
        #expect(response.status == 403)
        #expect(response.json["code"] as? String == "certificate.unregistered")
        let entries = try await gateway.raw("auditor", "GET", "/v1/audit/entries?start=0&count=100", contentType: nil).text
        #expect(entries.contains("certificate.unregistered"))
        #expect(entries.contains(unregistered.fingerprint))
        try await gateway.stop()
    }

    @Test func aRevokedCertificateIsRefusedOnceTheListChangesWithoutARestart() async throws {
        let crl = TemporaryFiles.url("creditgate-crl", extension: "pem")
        var pkiSeen: DevelopmentPKI?
        let gateway = try await TestGateway { configuration, pki in
            pkiSeen = pki
            try Self.writeCRL(revoking: [], pki: pki, to: crl)
            configuration.revocationList = crl.path
        }
        let pki = try #require(pkiSeen)
        #expect(try await gateway.raw("bureau", "GET", "/healthz", contentType: nil).status == 200)
        let bureau = try Certificate(pemEncoded: String(contentsOf: pki.clients["bureau"]!.certificate, encoding: .utf8))
        try await Task.sleep(for: .milliseconds(1100))
        try Self.writeCRL(revoking: [Array(bureau.serialNumber.bytes)], pki: pki, to: crl)
        // The list is re-read at most once a second; a loaded machine may need a few more.
        var refused = try await gateway.raw("bureau", "GET", "/healthz", contentType: nil)
        for _ in 0..<50 where refused.status == 200 {
            try await Task.sleep(for: .milliseconds(200))
            refused = try await gateway.raw("bureau", "GET", "/healthz", contentType: nil)
        }
        #expect(refused.status == 403)
        #expect(refused.json["code"] as? String == "certificate.revoked")
        #expect(try await gateway.raw("auditor", "GET", "/healthz", contentType: nil).status == 200)
        try await gateway.stop()
    }

    static func writeCRL(revoking serials: [[UInt8]], pki: DevelopmentPKI, to url: URL) throws {
        let ca = try Certificate(pemEncoded: String(contentsOf: pki.ca.certificate, encoding: .utf8))
        let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: pki.ca.key, encoding: .utf8))
        try RevocationList.pem(RevocationList.make(revoking: serials, issuer: ca, key: key)).write(to: url, atomically: true, encoding: .utf8)
    }

    /// A client certificate from the test PKI's CA that the registry does not list.
    static func issue(commonName: String, pki: DevelopmentPKI) throws -> DevelopmentPKI.Issued {
        let caCertificate = try Certificate(pemEncoded: String(contentsOf: pki.ca.certificate, encoding: .utf8))
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: pki.ca.key, encoding: .utf8))
        return try DevelopmentPKI.issueClient(commonName: commonName, ca: caCertificate, caKey: caKey,
                                              to: pki.folder.appendingPathComponent("clients"), file: commonName)
    }
}
