import Attestation
import Crypto
import Foundation
import SwiftASN1
import X509

/// The development certificates `creditgate certs init` makes: a CA, a server certificate for
/// `localhost`, `127.0.0.1` and `::1`, one client certificate per role, and the client registry
/// that maps those certificates' fingerprints to client ids and roles.
///
/// Keys are P-256, written as PKCS#8 PEM with mode 0600. Nothing here is for production: a real
/// deployment uses its own CA (see `certs/README.md`) and writes its own registry.
///
/// ```swift
/// let pki = try DevelopmentPKI.create(in: URL(fileURLWithPath: "certs"))
/// print(pki.clients["bureau"]!.certificate)   // certs/clients/bureau.pem
/// ```
package struct DevelopmentPKI: Sendable {
    /// Where one certificate and its key were written.
    package struct Issued: Sendable {
        package var certificate: URL
        package var key: URL
        package var fingerprint: String
    }

    package var folder: URL
    package var ca: Issued
    package var server: Issued
    /// By role name.
    package var clients: [String: Issued]
    package var registry: URL

    package static let caFile = "ca.pem"
    package static let registryFile = "clients.json"

    /// Makes everything afresh in `folder`, replacing what is there. 397 days: within the 398 that
    /// browsers and TLS scanners accept for a server certificate.
    ///
    /// With `crlURL`, every certificate issued names it as where the CA's revocation list is
    /// published (RFC 5280 §4.2.1.13), and an empty list is written as `crl.pem` to publish there:
    /// `creditgate certs revoke` keeps that file current. Relying parties and TLS scanners look for
    /// the pointer; without one a certificate can never be checked for revocation.
    package static func create(in folder: URL, validDays: Int = 397, now: Date = Date(), crlURL: String? = nil) throws -> DevelopmentPKI {
        let fm = FileManager.default
        try fm.createDirectory(at: folder.appendingPathComponent("clients"), withIntermediateDirectories: true)
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(Double(validDays) * 86400)

        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("CreditGate development")
            CommonName("CreditGate development CA")
        }
        let caCertificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))
        let ca = try write(caCertificate, key: caKey, to: folder, name: "ca")

        func issue(_ commonName: String, serverNames: [GeneralName]?, to directory: URL, file: String) throws -> Issued {
            try Self.issue(commonName: commonName, serverNames: serverNames, ca: caCertificate, caKey: caKey, to: directory, file: file,
                           notBefore: notBefore, notAfter: notAfter, crlURL: crlURL)
        }
        if crlURL != nil {
            let empty = try RevocationList.make(revoking: [], issuer: caCertificate, key: caKey, now: now)
            try RevocationList.pem(empty).write(to: folder.appendingPathComponent("crl.pem"), atomically: true, encoding: .utf8)
        }
        let server = try issue(
            "localhost",
            serverNames: [.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                          .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1])))],
            to: folder, file: "server")
        var clients: [String: Issued] = [:]
        var registry = ClientRegistry.File(clients: [])
        for role in Role.allCases {
            let clientID = "\(role.rawValue)-dev"
            let issued = try issue(clientID, serverNames: nil, to: folder.appendingPathComponent("clients"), file: role.rawValue)
            clients[role.rawValue] = issued
            registry.clients.append(.init(id: clientID, roles: [role], fingerprints: [issued.fingerprint]))
        }
        let registryURL = folder.appendingPathComponent(registryFile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(registry).write(to: registryURL, options: .atomic)
        return DevelopmentPKI(folder: folder, ca: ca, server: server, clients: clients, registry: registryURL)
    }

    /// A client certificate (TLS client authentication) issued by `ca`, valid for a year.
    package static func issueClient(commonName: String, ca: Certificate, caKey: P256.Signing.PrivateKey, to directory: URL, file: String) throws -> Issued {
        let now = Date()
        return try issue(commonName: commonName, serverNames: nil, ca: ca, caKey: caKey, to: directory, file: file,
                         notBefore: now.addingTimeInterval(-3600), notAfter: now.addingTimeInterval(365 * 86400))
    }

    /// A leaf certificate: for a server when `serverNames` is given, for a client otherwise.
    private static func issue(
        commonName: String, serverNames: [GeneralName]?, ca: Certificate, caKey: P256.Signing.PrivateKey, to directory: URL, file: String,
        notBefore: Date, notAfter: Date, crlURL: String? = nil
    ) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("CreditGate development")
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: ca.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([serverNames == nil ? .clientAuth : .serverAuth])
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: .init(caKey.publicKey)).keyIdentifier)
                if let serverNames { SubjectAlternativeNames(serverNames) }
                if let crlURL { try crlDistributionPoint(crlURL) }
            },
            issuerPrivateKey: .init(caKey))
        return try write(certificate, key: key, to: directory, name: file)
    }

    /// The CRL distribution points extension naming one URI (swift-certificates has no type for it):
    /// `SEQUENCE { DistributionPoint { [0] distributionPoint { [0] fullName { uri } } } }`.
    private static func crlDistributionPoint(_ uri: String) throws -> Certificate.Extension {
        let context = { (tag: UInt) in ASN1Identifier(tagWithNumber: tag, tagClass: .contextSpecific) }
        var der = DER.Serializer()
        try der.appendConstructedNode(identifier: .sequence) { points in
            try points.appendConstructedNode(identifier: .sequence) { point in
                try point.appendConstructedNode(identifier: context(0)) { name in
                    try name.appendConstructedNode(identifier: context(0)) { fullName in
                        try fullName.serialize(GeneralName.uniformResourceIdentifier(uri))
                    }
                }
            }
        }
        return Certificate.Extension(oid: [2, 5, 29, 31], critical: false, value: der.serializedBytes[...])
    }

    /// The development PKI in `folder` if one was made there.
    package static func existing(in folder: URL) -> DevelopmentPKI? {
        let fm = FileManager.default
        func issued(_ directory: URL, _ name: String) -> Issued? {
            let certificate = directory.appendingPathComponent("\(name).pem"), key = directory.appendingPathComponent("\(name)-key.pem")
            guard fm.fileExists(atPath: key.path), let pem = try? String(contentsOf: certificate, encoding: .utf8),
                  let parsed = try? Certificate(pemEncoded: pem) else { return nil }
            return Issued(certificate: certificate, key: key, fingerprint: PeerIdentity.fingerprint(of: parsed))
        }
        guard let ca = issued(folder, "ca"), let server = issued(folder, "server") else { return nil }
        var clients: [String: Issued] = [:]
        for role in Role.allCases {
            guard let client = issued(folder.appendingPathComponent("clients"), role.rawValue) else { return nil }
            clients[role.rawValue] = client
        }
        let registry = folder.appendingPathComponent(registryFile)
        guard fm.fileExists(atPath: registry.path) else { return nil }
        return DevelopmentPKI(folder: folder, ca: ca, server: server, clients: clients, registry: registry)
    }

    private static func write(_ certificate: Certificate, key: P256.Signing.PrivateKey, to directory: URL, name: String) throws -> Issued {
        let certificateURL = directory.appendingPathComponent("\(name).pem")
        let keyURL = directory.appendingPathComponent("\(name)-key.pem")
        try certificate.serializeAsPEM().pemString.appending("\n").write(to: certificateURL, atomically: true, encoding: .utf8)
        try PrivateFile.write(Data(key.pemRepresentation.appending("\n").utf8), to: keyURL)
        return Issued(certificate: certificateURL, key: keyURL, fingerprint: PeerIdentity.fingerprint(of: certificate))
    }
}
