import Crypto
import Foundation

/// Ids of checks (`chk_…`) and batch jobs (`bat_…`): a prefix and a ULID in lower-case Crockford
/// base32 (48 bits of milliseconds, then 80 random bits). They sort by time, reveal nothing about
/// the candidate, and cannot be guessed.
enum TimeOrderedID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    static func make(_ prefix: String, at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt128(UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF)
        let random = UInt128(UInt64.random(in: .min ... .max, using: &generator)) << 16
            | UInt128(UInt16.random(in: .min ... .max, using: &generator))
        let value = milliseconds << 80 | random
        // 26 digits of 5 bits carry 130 bits: the first digit holds the top 3.
        let digits = (0..<26).map { alphabet[Int((value >> UInt128(125 - 5 * $0)) & 31)] }
        return prefix + String(decoding: digits, as: UTF8.self)
    }

    /// An id made from another (a job's) and a position in it: the same every time, so work redone
    /// after a crash finds what it made the first time. It keeps the other id's time (its first 10
    /// digits) and takes the rest from a SHA-256 of the two.
    static func derived(_ prefix: String, from other: String, index: Int) -> String {
        let time = other.utf8.suffix(26).prefix(10)
        let hash = Array(SHA256.hash(data: Array("\(other)#\(index)".utf8)))
        let digits = (0..<16).map { alphabet[Int(hash[$0] & 31)] }
        return prefix + String(decoding: Array(time) + digits, as: UTF8.self)
    }

    static func isWellFormed(_ text: String, prefix: String) -> Bool {
        let utf8 = Array(text.utf8)
        return text.hasPrefix(prefix) && utf8.count == prefix.utf8.count + 26 && utf8[prefix.utf8.count...].allSatisfy(alphabet.contains)
    }
}
