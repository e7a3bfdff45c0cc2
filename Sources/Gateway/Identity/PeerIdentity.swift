import CreditCore
import Crypto
import SwiftASN1
import X509

/// What the gateway knows of a caller from its client certificate (already verified against the
/// CA bundle by the TLS handshake): the SHA-256 fingerprint of the certificate's DER, its subject,
/// the DNS names it carries, and its serial number (for the revocation list).
package struct PeerIdentity: Sendable, Hashable {
    /// Lower-case hex of SHA-256 over the DER, no separators.
    package var fingerprint: String
    /// RFC 4514 form, e.g. `CN=bureau-dev,O=CreditGate development`.
    package var subject: String
    package var dnsNames: [String]
    /// The serial number's bytes, as the certificate and a CRL carry them.
    package var serialNumber: [UInt8]

    package init(fingerprint: String, subject: String, dnsNames: [String] = [], serialNumber: [UInt8] = []) {
        self.fingerprint = fingerprint
        self.subject = subject
        self.dnsNames = dnsNames
        self.serialNumber = serialNumber
    }

    package init(der: [UInt8]) throws {
        let certificate = try Certificate(derEncoded: der)
        fingerprint = Hex.lowercase(SHA256.hash(data: der))
        subject = certificate.subject.description
        dnsNames = (try? certificate.extensions.subjectAlternativeNames)??.compactMap {
            if case .dnsName(let name) = $0 { return name } else { return nil }
        } ?? []
        serialNumber = Array(certificate.serialNumber.bytes)
    }

    package static func fingerprint(of certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        // A parsed or freshly made certificate always serializes.
        try? serializer.serialize(certificate)
        return Hex.lowercase(SHA256.hash(data: serializer.serializedBytes))
    }

    /// Accepts the usual ways people write a fingerprint (`AB:CD:…`, upper case) and returns ours.
    package static func normalisedFingerprint(_ text: String) -> String? {
        let hex = text.lowercased().filter { $0 != ":" && $0 != " " }
        return hex.count == 64 && hex.allSatisfy(\.isHexDigit) ? hex : nil
    }
}
