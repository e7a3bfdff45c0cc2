/// A unified social credit code (GB 32100-2015): the 18-character identifier of an organisation.
///
/// Characters come from `0-9` and `ABCDEFGHJKLMNPQRTUWXY` (no I, O, S, V, Z), valued 0-30; the last
/// is a check character computed with weights `3^i mod 31`.
///
/// ```swift
/// let code = try SocialCreditCode("91350100M000100Y43")
/// code.registrationAuthority  // "9" (industry and commerce)
/// ```
public struct SocialCreditCode: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    public init(_ text: String) throws(IdentifierError) {
        let raw = Array(text.uppercased().utf8)
        guard raw.count == 18 else {
            throw IdentifierError(.creditCodeLength, "a unified social credit code has 18 characters, not \(raw.count)")
        }
        var values: [Int] = []
        values.reserveCapacity(18)
        for (i, b) in raw.enumerated() {
            guard let v = SocialCreditCode.alphabet.firstIndex(of: b) else {
                throw IdentifierError(.creditCodeCharacter, "character \(i + 1) is not allowed in a credit code")
            }
            values.append(v)
        }
        var sum = 0
        for i in 0..<17 { sum += values[i] * SocialCreditCode.weights[i] }
        guard (31 - sum % 31) % 31 == values[17] else {
            throw IdentifierError(.creditCodeChecksum, "the check character does not match")
        }
        self.value = String(decoding: raw, as: UTF8.self)
    }

    /// First character: the registering authority (1 organisation bodies, 5 civil affairs, 9 industry and commerce...).
    public var registrationAuthority: String { String(value.prefix(1)) }
    /// Characters 3-8: the administrative division code of the registering office.
    public var regionCode: String { String(value.dropFirst(2).prefix(6)) }

    public var description: String { value }
}
