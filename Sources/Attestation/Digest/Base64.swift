import Foundation

/// Base64 helpers: standard (RFC 4648 §4) for HTTP fields and notes, URL-safe without padding
/// (§5) for JWK members.
package enum Base64 {
    package static func standard(_ bytes: some Sequence<UInt8>) -> String { Data(bytes).base64EncodedString() }

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
