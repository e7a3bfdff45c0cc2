import Foundation

/// Base64 helpers: standard (RFC 4648 §4) for HTTP fields and notes, URL-safe without padding
/// (§5) for JWK members.
package enum Base64 {
    /// Encoded here rather than by `Data.base64EncodedString()`, which copies the bytes into a
    /// `Data` and validates its own output as it makes the string: an audit write encodes every leaf
    /// hash and every proof hash (20 per entry), and Foundation's took a seventh of its time.
    package static func standard(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        let length = (input.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: length) { output in
            input.withUnsafeBufferPointer { input in
                var out = 0
                var index = 0
                func put(_ sextet: UInt32) {
                    output[out] = alphabet[Int(sextet & 0x3F)]
                    out += 1
                }
                while index + 3 <= input.count {
                    let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                    put(group >> 18); put(group >> 12); put(group >> 6); put(group)
                    index += 3
                }
                let rest = input.count - index
                if rest > 0 {
                    let group = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
                    put(group >> 18); put(group >> 12)
                    if rest == 2 { put(group >> 6) } else { output[out] = UInt8(ascii: "="); out += 1 }
                    output[out] = UInt8(ascii: "=")
                    out += 1
                }
                return out
            }
        }
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    package static func decodeStandard(_ text: some StringProtocol) -> [UInt8]? {
        Data(base64Encoded: String(text)).map(Array.init)
    }

    package static func url(_ bytes: some Sequence<UInt8>) -> String {
        standard(bytes).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    package static func decodeURL(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard.append("=") }
        return decodeStandard(standard)
    }
}
