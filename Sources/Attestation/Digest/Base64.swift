import Foundation

/// Base64 helpers: standard (RFC 4648 §4) for HTTP fields and notes, URL-safe without padding
/// (§5) for JWK members.
enum Base64 {
    static func standard(_ bytes: some Sequence<UInt8>) -> String { Data(bytes).base64EncodedString() }

    static func decodeStandard(_ text: some StringProtocol) -> [UInt8]? {
        Data(base64Encoded: String(text)).map(Array.init)
    }

    static func url(_ bytes: some Sequence<UInt8>) -> String {
        standard(bytes).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeURL(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard.append("=") }
        return decodeStandard(standard)
    }
}
