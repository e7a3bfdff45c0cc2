import Foundation
import OpenAPIRuntime

/// A response body streamed from a file in blocks, with its length known up front.
enum FileBody {
    static func body(of file: URL) throws -> HTTPBody {
        let size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        return HTTPBody(Blocks(file: file), length: .known(Int64(size)), iterationBehavior: .single)
    }

    struct Blocks: AsyncSequence, Sendable {
        typealias Element = ArraySlice<UInt8>
        let file: URL

        struct AsyncIterator: AsyncIteratorProtocol {
            let handle: FileHandle?

            mutating func next() async throws -> ArraySlice<UInt8>? {
                guard let handle, let block = try handle.read(upToCount: 1 << 16), !block.isEmpty else {
                    try? handle?.close()
                    return nil
                }
                return ArraySlice(block)
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: try? FileHandle(forReadingFrom: file)) }
    }
}
