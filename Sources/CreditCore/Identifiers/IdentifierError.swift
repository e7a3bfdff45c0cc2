/// Why an identifier was refused.
///
/// Errors are compared by ``code`` alone: the code is stable and machine-readable (it becomes the
/// problem `code` in API answers), the reason is for people. Neither ever contains the full input,
/// because the input may be a resident ID number.
public struct IdentifierError: CodedError {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let length = Code(rawValue: "id.length")
        public static let character = Code(rawValue: "id.character")
        public static let birthDate = Code(rawValue: "id.birth-date")
        public static let futureBirthDate = Code(rawValue: "id.birth-date-future")
        public static let checksum = Code(rawValue: "id.checksum")
        public static let region = Code(rawValue: "id.region")
        public static let mask = Code(rawValue: "id.mask")
        public static let creditCodeLength = Code(rawValue: "uscc.length")
        public static let creditCodeCharacter = Code(rawValue: "uscc.character")
        public static let creditCodeChecksum = Code(rawValue: "uscc.checksum")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
