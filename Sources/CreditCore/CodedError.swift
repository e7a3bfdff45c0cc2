/// An error with a stable machine-readable code and a reason for people, compared by code alone.
///
/// The error types of every module adopt it, so equality, hashing and printing behave the same
/// everywhere: `"code: reason"`, never the input that caused it.
public protocol CodedError: Error, Hashable, Sendable, CustomStringConvertible {
    associatedtype Code: Hashable & Sendable & CustomStringConvertible
    var code: Code { get }
    var reason: String { get }
}

extension CodedError {
    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
