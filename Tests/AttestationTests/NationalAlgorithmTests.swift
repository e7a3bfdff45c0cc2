@testable import Attestation
import CreditCore
import Crypto
import Foundation
import Testing
import TestSupport

/// SM3 and SM2 from the system OpenSSL, checked against the standards' own examples.
@Suite("SM2 signatures and SM3 digests (GB/T 32918, GB/T 32905)")
struct NationalAlgorithmTests {
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    /// GB/T 32905-2016 Appendix A: the two examples.
    @Test func sm3MatchesTheStandardsExamples() {
        #expect(Hex.lowercase(SM3.hash(Array("abc".utf8))) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(Hex.lowercase(SM3.hash(Array(String(repeating: "abcd", count: 16).utf8)))
                == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
    }

    /// The signature example on the recommended curve (GM/T 0003.5-2012 Annex A, the curve of
    /// GB/T 32918.5-2017), message "message digest", default user ID.
    static let examplePrivate = bytes("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
    static let examplePublic = bytes("""
        04 09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
           CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13
        """)
    static let exampleSignature = bytes("""
        F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
        B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
        """)
    static let exampleMessage = Array("message digest".utf8)

    @Test func sm2VerifiesTheStandardsExampleSignature() throws {
        let key = try SM2VerificationKey(point: Self.examplePublic)
        #expect(key.isValidSignature(Self.exampleSignature, for: Self.exampleMessage))
        // The public key is the private scalar's, as the example states.
        #expect(try SM2SigningKey(scalar: Self.examplePrivate).publicKey.rawRepresentation == Self.examplePublic)
        // Under another user ID, Z_A differs: the same signature is someone else's.
        #expect(!key.isValidSignature(Self.exampleSignature, for: Self.exampleMessage, userID: Array("ALICE123@YAHOO.COM".utf8)))
    }

    @Test func anyFlippedBitIsRefused() throws {
        let key = try SM2VerificationKey(point: Self.examplePublic)
        for bit in 0..<(Self.exampleSignature.count * 8) {
            var signature = Self.exampleSignature
            signature[bit / 8] ^= 1 << (bit % 8)
            #expect(!key.isValidSignature(signature, for: Self.exampleMessage), "signature bit \(bit)")
        }
        for bit in 0..<(Self.exampleMessage.count * 8) {
            var message = Self.exampleMessage
            message[bit / 8] ^= 1 << (bit % 8)
            #expect(!key.isValidSignature(Self.exampleSignature, for: message), "message bit \(bit)")
        }
        #expect(!key.isValidSignature(Array(Self.exampleSignature.dropLast()), for: Self.exampleMessage))
    }

    @Test func signThenVerifyRoundTrips() throws {
        let key = try SM2SigningKey()
        for length in [0, 1, 55, 56, 64, 1000] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let signature = try key.signature(for: message)
            #expect(signature.count == 64)
            #expect(key.publicKey.isValidSignature(signature, for: message))
            #expect(!(try SM2SigningKey()).publicKey.isValidSignature(signature, for: message))
        }
        // A key read back from its scalar signs as itself.
        let again = try SM2SigningKey(scalar: key.scalar)
        #expect(again.publicKey == key.publicKey)
        #expect(key.publicKey.isValidSignature(try again.signature(for: [1, 2, 3]), for: [1, 2, 3]))
    }

    @Test func malformedKeysAreRefused() throws {
        let order = Self.bytes("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123")
        var orderMinusOne = order
        orderMinusOne[31] -= 1
        for scalar in [[UInt8](repeating: 0, count: 32), order, orderMinusOne, [UInt8](repeating: 0xFF, count: 32), [1]] {
            #expect(throws: AttestationError.self) { try SM2SigningKey(scalar: scalar) }
        }
        var offCurve = Self.examplePublic
        offCurve[64] ^= 1
        for point in [offCurve, Array(Self.examplePublic.dropFirst()), [0x02] + Self.examplePublic.dropFirst(), []] {
            #expect(throws: AttestationError.self) { try SM2VerificationKey(point: point) }
        }
    }

    @Test func sm2KeysArePublishedAsECJWKs() throws {
        let key = try SM2VerificationKey(point: Self.examplePublic)
        let jwk = key.jwk
        #expect(jwk.kty == "EC" && jwk.crv == "SM2" && jwk.alg == "SM2-SM3")
        #expect(Base64.decodeURL(jwk.x) == Array(Self.examplePublic[1..<33]))
        #expect(Base64.decodeURL(jwk.y!) == Array(Self.examplePublic[33...]))
        // RFC 7638 §3.2: the required EC members crv, kty, x, y, in that order.
        let canonical = #"{"crv":"SM2","kty":"EC","x":"\#(jwk.x)","y":"\#(jwk.y!)"}"#
        #expect(jwk.thumbprint == Base64.url(Array(SHA256.hash(data: Array(canonical.utf8)))))
        #expect(jwk.kid == jwk.thumbprint)
        let read = try #require(try jwk.verificationKey() as? SM2VerificationKey)
        #expect(read == key)
        let signing = try SM2SigningKey(scalar: Self.examplePrivate)
        #expect(try signing.privateJWK.signingKey().keyID == key.keyID)
        var wrong = signing.privateJWK
        wrong.d = Base64.url(Self.bytes("01"))
        #expect(throws: AttestationError.self) { try wrong.signingKey() }
    }

    @Test func responsesCarryBothSignatures() throws {
        let ed25519 = Ed25519SigningKey(), sm2 = try SM2SigningKey()
        let signers = MessageSigners([MessageSigner(key: ed25519, tag: "creditgate"), MessageSigner(key: sm2, tag: "creditgate")])
        let message = SignatureTests.response()
        let fields = try signers.sign(message, covering: MessageSigner.responseComponents, created: 1_764_000_000)
        #expect(fields.signatureInput.contains(#"sig2=("@status" "content-type" "content-digest" "@method";req "@path";req);created=1764000000;alg="sm2-sm3";keyid="\#(sm2.keyID)";tag="creditgate""#))
        let both = MessageVerifier(keySet: JWKSet(keys: [ed25519.publicKey.jwk, sm2.publicKey.jwk]))
        let verified = try both.verifyAll(message, signatureInput: fields.signatureInput, signature: fields.signature,
                                          required: MessageSigner.responseComponents, tag: "creditgate")
        #expect(verified.map(\.label) == ["sig", "sig2"])
        #expect(verified.map(\.algorithm) == [.ed25519, .sm2])
        // A verifier that knows Ed25519 only still checks `sig`.
        let ed25519Only = MessageVerifier(keySet: JWKSet(keys: [ed25519.publicKey.jwk]))
        _ = try ed25519Only.verify(message, signatureInput: fields.signatureInput, signature: fields.signature, label: "sig")
        // Either signature altered fails the whole.
        for label in ["sig", "sig2"] {
            let member = try #require(fields.signature.split(separator: ", ").first { $0.hasPrefix("\(label)=") })
            var raw = try #require(Base64.decodeStandard(member.dropFirst(label.count + 2).dropLast()))
            raw[10] ^= 0x01
            let altered = fields.signature.replacingOccurrences(of: String(member), with: "\(label)=:\(Base64.standard(raw)):")
            let error = #expect(throws: AttestationError.self) {
                try both.verifyAll(message, signatureInput: fields.signatureInput, signature: altered)
            }
            #expect(error?.code == .signatureInvalid)
            #expect(error?.reason.hasPrefix("signature \(label):") == true)
        }
    }

    @Test func checkpointsCarryAnSM2LineThatEd25519VerifiersIgnore() throws {
        let ed25519 = Ed25519SigningKey(), sm2 = try SM2SigningKey()
        let origin = "creditgate.test/audit"
        let signer = NoteSigner(name: origin, keys: [ed25519, sm2])
        let checkpoint = Checkpoint(origin: origin, size: 3, rootHash: InMemoryTree(leaves: [[1], [2], [3]]).root)
        let note = try checkpoint.signed(by: signer)
        #expect(note.components(separatedBy: "\n— \(origin) ").count == 3)
        let ed25519Verifier = NoteVerifier(name: origin, publicKey: ed25519.publicKey)
        let sm2Verifier = NoteVerifier(name: origin, publicKey: sm2.publicKey)
        #expect(try Checkpoint.openSigned(note, verifiers: [ed25519Verifier], origin: origin).signers == [ed25519Verifier])
        #expect(try Checkpoint.openSigned(note, verifiers: [sm2Verifier], origin: origin).signers == [sm2Verifier])
        #expect(try Checkpoint.openSigned(note, verifiers: signer.verifiers, origin: origin).checkpoint == checkpoint)
        // The SM2 verifier key names the algorithm: 0xff, then the OID, then the point.
        let vkey = sm2Verifier.verifierKey
        #expect(try NoteVerifier(verifierKey: vkey) == sm2Verifier)
        #expect(Base64.decodeStandard(vkey.split(separator: "+", maxSplits: 2)[2])?.starts(with: [0xFF] + Array("1.2.156.10197.1.501".utf8)) == true)
        // A known SM2 key whose line was altered refuses the note, even though Ed25519's verifies.
        var lines = note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let sm2Line = lines.count - 2
        var payload = try #require(Base64.decodeStandard(lines[sm2Line].split(separator: " ")[2]))
        payload[20] ^= 0x80
        lines[sm2Line] = "— \(origin) \(Base64.standard(payload))"
        let altered = lines.joined(separator: "\n")
        #expect(try Checkpoint.openSigned(altered, verifiers: [ed25519Verifier], origin: origin).checkpoint == checkpoint)
        let error = #expect(throws: AttestationError.self) { try SignedNote.open(altered, verifiers: signer.verifiers) }
        #expect(error?.code == .noteUnverified)
    }
}
