@testable import Attestation
import Foundation
import Testing

@Suite("RFC 9421 message signatures and RFC 9530 digests")
struct SignatureTests {
    /// RFC 9421 Appendix B.1.4: the Ed25519 test key (private seed, base64url).
    static let testKey = try! Ed25519SigningKey(seed: Base64.decodeURL("n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU")!)

    /// RFC 9421 Appendix B.2: the example request.
    static let request = MessageComponents.Request(
        method: "POST", target: "/foo?param=Value&Pet=dog", authority: "example.com",
        headers: [
            ("Host", "example.com"), ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"), ("Content-Type", "application/json"),
            ("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"),
            ("Content-Length", "18"),
        ])

    static let b26Components = ["date", "@method", "@path", "@authority", "content-type", "content-length"].map { ComponentID($0) }
    static let b26Parameters = SignatureParameters(created: 1_618_884_473, keyID: "test-key-ed25519")

    @Test func appendixB26IsReproducedByteForByte() throws {
        let (base, params) = try SignatureBase.make(MessageComponents(request: Self.request), components: Self.b26Components, parameters: Self.b26Parameters.serialized)
        #expect(base == """
            "date": Tue, 20 Apr 2021 02:07:55 GMT
            "@method": POST
            "@path": /foo
            "@authority": example.com
            "content-type": application/json
            "content-length": 18
            "@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"
            """)
        #expect(params == #"("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#)
        let signer = MessageSigner(key: Self.testKey, tag: nil)
        let fields = try signer.sign(MessageComponents(request: Self.request), covering: Self.b26Components, parameters: Self.b26Parameters, label: "sig-b26")
        #expect(fields.signatureInput == #"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#)
        #expect(fields.signature == "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:")
        // And the RFC's own signature verifies with the public key alone.
        let verifier = MessageVerifier { $0 == "test-key-ed25519" ? Self.testKey.publicKey : nil }
        let verified = try verifier.verify(MessageComponents(request: Self.request), signatureInput: fields.signatureInput, signature: fields.signature)
        #expect(verified.label == "sig-b26")
        #expect(verified.components == Self.b26Components)
    }

    @Test func rfc9530KnownAnswers() throws {
        let body = Array(#"{"hello": "world"}"#.utf8)
        #expect(ContentDigest.header(for: body) == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")
        #expect(ContentDigest.header(for: body, algorithm: .sha512) == "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
        try ContentDigest.verify(header: "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, unixsum=:AAA=:", body: body)
        let error = #expect(throws: AttestationError.self) {
            try ContentDigest.verify(header: "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", body: Array(#"{"hello": "World"}"#.utf8))
        }
        #expect(error?.code == .digestMismatch)
        #expect(throws: AttestationError.self) { try ContentDigest.verify(header: "md5=:AAA=:", body: body) }
    }

    @Test func rfc8037ThumbprintExample() throws {
        // RFC 8037 Appendix A.3.
        #expect(JWK.thumbprint(kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo") == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        let jwk = Self.testKey.publicKey.jwk
        #expect(jwk.x == "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs")
        #expect(jwk.kid == Self.testKey.keyID)
        #expect(try jwk.verificationKey().keyID == Self.testKey.keyID)
    }

    // MARK: Responses as the service signs them

    static let key = Ed25519SigningKey()
    static let checkRequest = MessageComponents.Request(method: "POST", target: "/v1/checks", authority: "localhost:8443")
    static let body = Array(#"{"decision":"CLEAR","checkId":"c-1"}"#.utf8)

    static func response(status: Int = 200, body: [UInt8] = body, contentType: String = "application/json") -> MessageComponents {
        MessageComponents(
            response: .init(status: status, headers: [("Content-Type", contentType), ("Content-Digest", ContentDigest.header(for: body))]),
            request: checkRequest)
    }

    static func signed(_ message: MessageComponents = response()) throws -> (signatureInput: String, signature: String) {
        try MessageSigner(key: key, tag: "creditgate").sign(message, covering: MessageSigner.responseComponents, created: 1_764_000_000)
    }

    static let verifier = MessageVerifier(keySet: JWKSet(keys: [key.publicKey.jwk]))

    @Test func responseSignatureCoversTheAnswerAndTheQuestion() throws {
        let fields = try Self.signed()
        #expect(fields.signatureInput.hasPrefix(#"sig=("@status" "content-type" "content-digest" "@method";req "@path";req);created=1764000000;alg="ed25519";keyid=""#))
        #expect(fields.signatureInput.hasSuffix(#";tag="creditgate""#))
        let verified = try Self.verifier.verify(Self.response(), signatureInput: fields.signatureInput, signature: fields.signature,
                                               required: MessageSigner.responseComponents, tag: "creditgate")
        #expect(verified.parameters.keyID == Self.key.keyID)
    }

    @Test func anyChangeBreaksVerification() throws {
        let fields = try Self.signed()
        var tamperedBody = Self.body
        tamperedBody[3] ^= 0x01
        let cases: [(String, MessageComponents)] = [
            ("status", Self.response(status: 201)),
            ("content type", Self.response(contentType: "text/plain")),
            ("digest of another body", Self.response(body: tamperedBody)),
            ("another path", MessageComponents(response: Self.response().response!, request: .init(method: "POST", target: "/v1/checks/batch", authority: "localhost:8443"))),
            ("another method", MessageComponents(response: Self.response().response!, request: .init(method: "GET", target: "/v1/checks", authority: "localhost:8443"))),
        ]
        for (name, message) in cases {
            let error = #expect(throws: AttestationError.self, "\(name)") {
                try Self.verifier.verify(message, signatureInput: fields.signatureInput, signature: fields.signature)
            }
            #expect(error?.code == .signatureInvalid, "\(name)")
        }
        // A body that no longer matches its digest is caught by the digest check.
        #expect(throws: AttestationError.self) {
            try ContentDigest.verify(header: ContentDigest.header(for: Self.body), body: tamperedBody)
        }
        // Every single flipped byte of the signature itself fails.
        let signatureValue = Base64.decodeStandard(fields.signature.dropFirst(5).dropLast())!
        for index in stride(from: 0, to: signatureValue.count, by: 7) {
            var flipped = signatureValue
            flipped[index] ^= 0x80
            #expect(throws: AttestationError.self) {
                try Self.verifier.verify(Self.response(), signatureInput: fields.signatureInput, signature: "sig=:\(Base64.standard(flipped)):")
            }
        }
    }

    @Test func wrongKeyMissingComponentAndWrongTagAreRefused() throws {
        let fields = try Self.signed()
        let stranger = MessageVerifier(keySet: JWKSet(keys: [Ed25519SigningKey().publicKey.jwk]))
        let unknown = #expect(throws: AttestationError.self) {
            try stranger.verify(Self.response(), signatureInput: fields.signatureInput, signature: fields.signature)
        }
        #expect(unknown?.code == .keyUnknown)
        let narrow = try MessageSigner(key: Self.key, tag: "creditgate").sign(Self.response(), covering: [ComponentID("@status")], created: 1)
        let missing = #expect(throws: AttestationError.self) {
            try Self.verifier.verify(Self.response(), signatureInput: narrow.signatureInput, signature: narrow.signature, required: MessageSigner.responseComponents)
        }
        #expect(missing?.code == .componentMissing)
        let tagged = #expect(throws: AttestationError.self) {
            try Self.verifier.verify(Self.response(), signatureInput: fields.signatureInput, signature: fields.signature, tag: "someone-else")
        }
        #expect(tagged?.code == .signatureInvalid)
    }

    @Test func parameterOrderOfTheSenderIsKept() throws {
        // A signer that writes keyid before created: the verifier must rebuild the same base.
        let message = MessageComponents(request: Self.request)
        let components = [ComponentID("@method"), ComponentID("@path")]
        let params = #";keyid="test-key-ed25519";created=1618884473"#
        let (base, serialized) = try SignatureBase.make(message, components: components, parameters: params)
        let signature = try Self.testKey.signature(for: Array(base.utf8))
        let verifier = MessageVerifier { $0 == "test-key-ed25519" ? Self.testKey.publicKey : nil }
        _ = try verifier.verify(message, signatureInput: "sig1=\(serialized)", signature: "sig1=:\(Base64.standard(signature)):")
    }
}
