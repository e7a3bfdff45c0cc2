import CreditCore
import Crypto
import Foundation

/// One audited event: who did what, when, why, and with what outcome.
///
/// Level-3 protection (等保 2.0) asks every record to hold time, user, event type and outcome; PIPL
/// asks for purpose and legal basis. The candidate appears only as an HMAC under the server's audit
/// key: a plain hash of an ID number is reversible by enumeration, a keyed one is not, and the
/// same person still maps to the same value so their checks can be found again.
public struct AuditEntry: Codable, Sendable, Hashable {
    /// UTC, millisecond precision, ISO 8601.
    public var time: String
    public var operation: String
    public var outcome: String
    public var clientID: String?
    public var certificateFingerprint: String?
    public var `operator`: String?
    public var purpose: String?
    public var consentReference: String?
    public var candidateHMAC: String?
    public var decision: String?
    public var policyVersion: String?
    public var archiveVersion: String?
    public var requestDigest: String?
    public var responseDigest: String?
    public var detail: String?

    public init(
        time: Date = Date(), operation: String, outcome: String, clientID: String? = nil, certificateFingerprint: String? = nil,
        operator: String? = nil, purpose: String? = nil, consentReference: String? = nil, candidateHMAC: String? = nil,
        decision: String? = nil, policyVersion: String? = nil, archiveVersion: String? = nil, requestDigest: String? = nil,
        responseDigest: String? = nil, detail: String? = nil
    ) {
        self.time = AuditEntry.timeFormat.format(time)
        self.operation = operation
        self.outcome = outcome
        self.clientID = clientID
        self.certificateFingerprint = certificateFingerprint
        self.operator = `operator`
        self.purpose = purpose
        self.consentReference = consentReference
        self.candidateHMAC = candidateHMAC
        self.decision = decision
        self.policyVersion = policyVersion
        self.archiveVersion = archiveVersion
        self.requestDigest = requestDigest
        self.responseDigest = responseDigest
        self.detail = detail
    }

    /// A value type, safe to share between threads (unlike `ISO8601DateFormatter`); UTC.
    package static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The leaf bytes: JSON with sorted keys and no insignificant whitespace (what `JSONEncoder`
    /// with `.sortedKeys` makes of it), so anyone can re-derive the leaf hash from the entry. Room
    /// for 1 KB: a check's entry is 600–700 bytes, and one of 512 was copied to a larger buffer.
    public var canonicalBytes: [UInt8] {
        CanonicalJSON.bytes(capacity: 1024) { json in
            json.object { o in
                o.string("archiveVersion", archiveVersion)
                o.string("candidateHMAC", candidateHMAC)
                o.string("certificateFingerprint", certificateFingerprint)
                o.string("clientID", clientID)
                o.string("consentReference", consentReference)
                o.string("decision", decision)
                o.string("detail", detail)
                o.string("operation", operation)
                o.string("operator", `operator`)
                o.string("outcome", outcome)
                o.string("policyVersion", policyVersion)
                o.string("purpose", purpose)
                o.string("requestDigest", requestDigest)
                o.string("responseDigest", responseDigest)
                o.string("time", time)
            }
        }
    }
}

/// HMAC-SHA256 of a candidate's ID under the audit key, hex: how the audit log names a person.
public struct CandidateHasher: Sendable {
    /// The HMAC with the key already absorbed, copied for each ID: keying one anew (two SHA-256
    /// blocks and allocations) was a third of the cost of judging a batch job's candidate.
    private let keyed: HMAC<SHA256>

    public init(key: [UInt8]) {
        keyed = HMAC(key: SymmetricKey(data: key))
    }

    /// The hex HMAC of the normalised 18-character ID.
    public func hmac(ofIDNumber normalisedID: String) -> String {
        var hmac = keyed
        var id = normalisedID
        id.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        return hmac.finalize().withUnsafeBytes { Hex.lowercase($0) }
    }

    /// A keyed digest of a request body, taken as the body arrives: the audit entry's
    /// `requestDigest`. A plain hash would name the candidate as surely as the ID: the rest of a
    /// check's body (name, purpose, the client's JSON layout) is guessable, and IDs can be enumerated.
    public func bodyDigest() -> BodyDigest { BodyDigest(hmac: keyed) }

    public struct BodyDigest: Sendable {
        fileprivate var hmac: HMAC<SHA256>

        public mutating func update(_ bytes: UnsafeRawBufferPointer) { hmac.update(data: bytes) }

        /// `hmac-sha256=:<base64>:`: shaped like a `Content-Digest` member, named so it is not taken for a plain one.
        public var value: String { "hmac-sha256=:\(Base64.standard(hmac.finalize())):" }
    }
}
