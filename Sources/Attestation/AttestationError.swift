import CreditCore

/// Why a signature, digest, key, proof or note was refused. Compared by code, which is stable.
public struct AttestationError: CodedError {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let fieldMalformed = Code(rawValue: "field.malformed")
        public static let digestMalformed = Code(rawValue: "digest.malformed")
        public static let digestMismatch = Code(rawValue: "digest.mismatch")
        public static let signatureMissing = Code(rawValue: "signature.missing")
        public static let signatureMalformed = Code(rawValue: "signature.malformed")
        public static let signatureInvalid = Code(rawValue: "signature.invalid")
        public static let componentMissing = Code(rawValue: "signature.component-missing")
        public static let keyUnknown = Code(rawValue: "key.unknown")
        public static let keyMalformed = Code(rawValue: "key.malformed")
        public static let algorithmUnsupported = Code(rawValue: "algorithm.unsupported")
        public static let proofInvalid = Code(rawValue: "proof.invalid")
        public static let noteMalformed = Code(rawValue: "note.malformed")
        public static let noteUnverified = Code(rawValue: "note.unverified")
        public static let checkpointMalformed = Code(rawValue: "checkpoint.malformed")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
