import Crypto
import Foundation
import Synchronization

/// Ids of checks (`chk_…`) and batch jobs (`bat_…`): a prefix and a ULID in lower-case Crockford
/// base32 (48 bits of milliseconds, then 80 random bits). They sort by time, reveal nothing about
/// the candidate, and cannot be guessed.
enum TimeOrderedID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    /// A new id. Its digits are written in place, and its random part comes from ``RandomPool``:
    /// with two calls of `SystemRandomNumberGenerator` (a system call each) and the digits mapped
    /// out of a 128-bit integer, making ids was 3% of a batch job.
    static func make(_ prefix: String, at date: Date = Date()) -> String {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        var random: (UInt64, UInt16) = (0, 0)
        withUnsafeMutableBytes(of: &random) { RandomPool.shared.fill($0) }
        // 130 bits in 26 digits of 5: the time's 48 bits (with 2 zero bits above them) in the first
        // 10 digits, the 80 random bits in the other 16.
        return prefix + String(unsafeUninitializedCapacity: 26) { digits in
            for index in 0..<10 { digits[index] = alphabet[Int(milliseconds >> UInt64(45 - 5 * index) & 31)] }
            let (high, low) = (random.0, UInt64(random.1))
            for index in 0..<16 {
                // Bits 79...0 of the random part: the first 64 from `high`, the last 16 from `low`.
                let shift = 75 - 5 * index
                let bits = shift >= 16 ? high >> UInt64(shift - 16) : (high << UInt64(16 - shift)) | (low >> UInt64(shift))
                digits[10 + index] = alphabet[Int(bits & 31)]
            }
            return 26
        }
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

/// The kernel's random bytes, read 4 KiB at a time and handed out in small pieces: an id's 80 bits
/// cost a system call each otherwise. The bytes are the kernel's own (`arc4random_buf(3)`, which
/// reads `getrandom(2)` in glibc), each handed out once and wiped as it is.
final class RandomPool: Sendable {
    static let shared = RandomPool()
    private let state = Mutex((bytes: [UInt8](repeating: 0, count: 4096), next: 4096))

    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        state.withLock { state in
            if state.next + buffer.count > state.bytes.count {
                state.bytes.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                state.next = 0
            }
            for index in buffer.indices {
                buffer[index] = state.bytes[state.next + index]
                state.bytes[state.next + index] = 0
            }
            state.next += buffer.count
        }
    }
}
