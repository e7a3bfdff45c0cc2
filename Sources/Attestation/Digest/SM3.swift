import COpenSSL

/// SM3 (GB/T 32905), the national hash, from the system OpenSSL.
public enum SM3 {
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// SM3 of content that arrives in pieces. A value: a copy goes on from where it was copied
    /// (OpenSSL's context is copied when a shared one is about to change).
    public struct Hasher: @unchecked Sendable {
        private var context: Context

        public init() { context = Context(cg_sm3_new()) }

        public mutating func update(_ bytes: some Sequence<UInt8>) {
            if !isKnownUniquelyReferenced(&context) { context = Context(cg_sm3_copy(context.pointer)) }
            let pointer = context.pointer
            let done = bytes.withContiguousStorageIfAvailable { cg_sm3_update(pointer, $0.baseAddress, $0.count) }
                ?? Array(bytes).withUnsafeBufferPointer { cg_sm3_update(pointer, $0.baseAddress, $0.count) }
            precondition(done == 1, "OpenSSL digests with SM3")
        }

        /// The digest of everything so far; the hasher can go on.
        public func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            precondition(cg_sm3_final(context.pointer, &out) == 1, "OpenSSL digests with SM3")
            return out
        }
    }

    /// OpenSSL's digest context, freed with the last hasher that holds it.
    private final class Context {
        let pointer: OpaquePointer

        init(_ pointer: OpaquePointer?) {
            guard let pointer else { preconditionFailure("OpenSSL provides SM3") }
            self.pointer = pointer
        }

        deinit { cg_sm3_free(pointer) }
    }
}
