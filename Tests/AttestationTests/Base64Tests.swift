@testable import Attestation
import Foundation
import Testing

@Suite("Base64 (RFC 4648)")
struct Base64Tests {
    @Test func rfc4648TestVectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (text, encoded) in vectors {
            #expect(Base64.standard(Array(text.utf8)) == encoded)
            #expect(Base64.decodeStandard(encoded) == Array(text.utf8))
        }
    }

    @Test func agreesWithFoundationOnEveryLengthAndByte() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            #expect(Base64.standard(bytes) == Data(bytes).base64EncodedString())
        }
        let everyByte = Array(UInt8.min ... UInt8.max)
        #expect(Base64.standard(everyByte) == Data(everyByte).base64EncodedString())
        #expect(Base64.url(everyByte) == Data(everyByte).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
    }
}
