/// Lower-case hexadecimal of bytes (digests, HMACs, fingerprints), without going through a
/// formatter per byte: the audit log writes one per check.
public enum Hex {
    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        // Digests iterate byte by byte through generic code; their contiguous bytes are written in
        // one pass (the audit HMAC of every candidate of a batch job goes through here).
        if let hex = bytes.withContiguousStorageIfAvailable({ lowercase(UnsafeRawBufferPointer($0)) }) { return hex }
        return Array(bytes).withUnsafeBytes { lowercase($0) }
    }

    public static func lowercase(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { characters in
            for (index, byte) in bytes.enumerated() {
                characters[2 * index] = digit(byte >> 4)
                characters[2 * index + 1] = digit(byte & 0x0F)
            }
            return bytes.count * 2
        }
    }

    @inline(__always) private static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
