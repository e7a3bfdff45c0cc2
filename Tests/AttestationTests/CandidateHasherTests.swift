import Attestation
import Testing

@Suite("Candidate hasher")
struct CandidateHasherTests {
    @Test func candidatesAreKeyedHashesNotPlainHashes() {
        let hasher = CandidateHasher(key: Array("audit-key-for-tests".utf8))
        let a = hasher.hmac(ofIDNumber: "11010519491231002X")
        #expect(a == hasher.hmac(ofIDNumber: "11010519491231002X"))
        #expect(a != CandidateHasher(key: Array("another key".utf8)).hmac(ofIDNumber: "11010519491231002X"))
        #expect(a.count == 64)
    }
}
