import Foundation

/// A check's id: `chk_` and a ULID in lower-case Crockford base32 (48 bits of milliseconds, then 80
/// random bits). Sorts by time, reveals nothing about the candidate, and cannot be guessed.
enum CheckID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    static func make(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt128(UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF)
        let random = UInt128(UInt64.random(in: .min ... .max, using: &generator)) << 16
            | UInt128(UInt16.random(in: .min ... .max, using: &generator))
        let value = milliseconds << 80 | random
        // 26 digits of 5 bits carry 130 bits: the first digit holds the top 3.
        let digits = (0..<26).map { alphabet[Int((value >> UInt128(125 - 5 * $0)) & 31)] }
        return "chk_" + String(decoding: digits, as: UTF8.self)
    }

    static func isWellFormed(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return utf8.count == 30 && text.hasPrefix("chk_") && utf8[4...].allSatisfy(alphabet.contains)
    }
}
