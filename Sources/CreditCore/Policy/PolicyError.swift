/// A policy (or taxonomy) file that cannot be used; compared by code.
public struct PolicyError: CodedError {
    public let code: String
    public let reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }
}
