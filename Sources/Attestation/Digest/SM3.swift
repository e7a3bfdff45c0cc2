import COpenSSL

/// SM3 (GB/T 32905), the national hash, from the system OpenSSL: the hash inside every SM2
/// signature (e = SM3(Z_A ‖ M)).
public enum SM3 {
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        precondition(cg_sm3(bytes, bytes.count, &out) == 1, "OpenSSL provides SM3")
        return out
    }
}
