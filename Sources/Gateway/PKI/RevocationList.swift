import Crypto
import Foundation
import SwiftASN1
import X509

/// An X.509 certificate revocation list (RFC 5280 §5), checked against the CA that issued it.
///
/// The gateway reads the CRL file the configuration names (PEM or DER) and refuses any client
/// certificate whose serial number it lists; ``ReloadingFile`` picks up a new CRL without a restart.
/// A CRL is trusted only if its issuer is one of the configured CAs and its signature verifies with
/// that CA's key (ECDSA P-256/P-384, as `creditgate certs` makes them).
///
/// ```swift
/// let crl = try RevocationList(pem: String(contentsOfFile: "certs/crl.pem"), issuers: caCertificates)
/// crl.isRevoked(serialNumber: peer.serialNumber)
/// ```
package struct RevocationList: Sendable {
    package struct Invalid: Error, CustomStringConvertible {
        package var description: String
    }

    private let revoked: Set<[UInt8]>
    package let issuer: String
    package var count: Int { revoked.count }
    /// The listed serial numbers, in a stable order (to write a new CRL that keeps them).
    package var serialNumbers: [[UInt8]] { revoked.sorted { $0.lexicographicallyPrecedes($1) } }

    package func isRevoked(serialNumber: [UInt8]) -> Bool { revoked.contains(serialNumber) }

    package init(pem: String, issuers: [Certificate]) throws {
        let document = try PEMDocument(pemString: pem)
        guard document.discriminator == "X509 CRL" else { throw Invalid(description: "the PEM block is \(document.discriminator), not X509 CRL") }
        try self.init(der: document.derBytes, issuers: issuers)
    }

    package static func load(from url: URL, issuers: [Certificate]) throws -> RevocationList {
        let data = try Data(contentsOf: url)
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
            return try RevocationList(pem: text, issuers: issuers)
        }
        return try RevocationList(der: Array(data), issuers: issuers)
    }

    package init(der: [UInt8], issuers: [Certificate]) throws {
        let root = try DER.parse(der)
        let (tbs, algorithm, signature) = try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbs = nodes.next(), let algorithm = nodes.next(), let signature = nodes.next() else {
                throw Invalid(description: "a CRL has three parts")
            }
            return (tbs, try AlgorithmIdentifier(derEncoded: algorithm), try ASN1BitString(derEncoded: signature))
        }
        var issuerName: DistinguishedName?
        var serials = Set<[UInt8]>()
        try DER.sequence(tbs, identifier: .sequence) { nodes in
            var node = nodes.next()
            if let version = node, version.identifier == .integer { node = nodes.next() }  // v2
            node = nodes.next()  // the inner signature algorithm
            guard let issuer = node else { throw Invalid(description: "the CRL has no issuer") }
            issuerName = try DistinguishedName(derEncoded: issuer)
            _ = nodes.next()  // thisUpdate
            node = nodes.next()
            if let next = node, next.identifier == .utcTime || next.identifier == .generalizedTime { node = nodes.next() }
            if let list = node, list.identifier == .sequence {
                try DER.sequence(of: RevokedEntry.self, identifier: .sequence, rootNode: list).forEach { serials.insert($0.serial) }
            }
        }
        guard let issuerName else { throw Invalid(description: "the CRL has no issuer") }
        issuer = issuerName.description
        revoked = serials
        guard let ca = issuers.first(where: { $0.subject == issuerName }) else {
            throw Invalid(description: "the CRL's issuer \(issuerName) is not a configured CA")
        }
        guard Self.verify(signature: Array(signature.bytes), over: Array(tbs.encodedBytes), algorithm: algorithm, key: ca.publicKey) else {
            throw Invalid(description: "the CRL's signature does not verify with the key of \(issuerName)")
        }
    }

    private static func verify(signature: [UInt8], over bytes: [UInt8], algorithm: AlgorithmIdentifier, key: Certificate.PublicKey) -> Bool {
        switch algorithm.oid {
        case AlgorithmIdentifier.ecdsaWithSHA256:
            guard let key = P256.Signing.PublicKey(key), let signature = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: SHA256.hash(data: bytes))
        case AlgorithmIdentifier.ecdsaWithSHA384:
            guard let key = P384.Signing.PublicKey(key), let signature = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: SHA384.hash(data: bytes))
        default:
            return false
        }
    }

    /// Signs a CRL listing `serials` with a P-256 CA key (`creditgate certs revoke`).
    package static func make(
        revoking serials: [[UInt8]], issuer: Certificate, key: P256.Signing.PrivateKey, now: Date = Date(), validDays: Int = 30
    ) throws -> [UInt8] {
        func time(_ date: Date) throws -> GeneralizedTime {
            let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
            return try GeneralizedTime(year: parts.year!, month: parts.month!, day: parts.day!, hours: parts.hour!,
                                       minutes: parts.minute!, seconds: parts.second!, fractionalSeconds: 0)
        }
        let algorithm = AlgorithmIdentifier(oid: AlgorithmIdentifier.ecdsaWithSHA256)
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { s in
            try s.serialize(1)  // v2
            try s.serialize(algorithm)
            try s.serialize(issuer.subject)
            try s.serialize(time(now))
            try s.serialize(time(now.addingTimeInterval(Double(validDays) * 86400)))
            if !serials.isEmpty {
                try s.appendConstructedNode(identifier: .sequence) { s in
                    for serial in serials {
                        try s.serialize(RevokedEntry(serial: serial, date: try time(now)))
                    }
                }
            }
        }
        let signature = try key.signature(for: SHA256.hash(data: tbs.serializedBytes)).derRepresentation
        var crl = DER.Serializer()
        try crl.appendConstructedNode(identifier: .sequence) { s in
            s.serializeRawBytes(tbs.serializedBytes)
            try s.serialize(algorithm)
            try s.serialize(ASN1BitString(bytes: ArraySlice(signature)))
        }
        return crl.serializedBytes
    }

    /// PEM text of a DER CRL.
    package static func pem(_ der: [UInt8]) -> String {
        PEMDocument(type: "X509 CRL", derBytes: der).pemString + "\n"
    }
}

/// One `revokedCertificates` entry: the serial and the revocation date (entry extensions ignored).
private struct RevokedEntry: DERImplicitlyTaggable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    var serial: [UInt8]
    var date: GeneralizedTime?

    init(serial: [UInt8], date: GeneralizedTime?) {
        self.serial = serial
        self.date = date
    }

    init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        serial = try DER.sequence(node, identifier: identifier) { nodes in
            guard let serialNode = nodes.next() else { throw RevocationList.Invalid(description: "a revoked entry has no serial") }
            let bytes = try ArraySlice<UInt8>(derEncoded: serialNode)
            while nodes.next() != nil {}
            return Array(bytes)
        }
        date = nil
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { s in
            try s.serialize(ArraySlice(serial))
            if let date { try s.serialize(date) }
        }
    }
}

/// The `AlgorithmIdentifier` of the CRL's signature (parameters, absent for ECDSA, are skipped).
private struct AlgorithmIdentifier: DERImplicitlyTaggable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    static let ecdsaWithSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
    var oid: ASN1ObjectIdentifier

    init(oid: ASN1ObjectIdentifier) { self.oid = oid }

    init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        oid = try DER.sequence(node, identifier: identifier) { nodes in
            guard let first = nodes.next() else { throw RevocationList.Invalid(description: "an algorithm identifier is empty") }
            let oid = try ASN1ObjectIdentifier(derEncoded: first)
            while nodes.next() != nil {}
            return oid
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { s in try s.serialize(oid) }
    }
}
