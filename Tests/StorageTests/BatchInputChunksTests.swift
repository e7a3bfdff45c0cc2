import Foundation
import Storage
import Testing

/// A stored chunk read back as lines: every line, empty ones too, in order, also from a slice.
@Suite("Batch input chunks")
struct BatchInputChunksTests {
    @Test(arguments: ["", "\n", "a", "a\n", "\na", "a\n\nb", "{\"name\":\"张三\"}\n{\"name\":\"李四\"}", "a\nb\n\n"])
    func linesAreWhatSplittingAtEveryLineFeedGives(_ text: String) {
        let blob = Data(text.utf8)
        let expected = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(BatchInputChunks.lines(blob).map { String(decoding: $0, as: UTF8.self) } == expected)
        // A blob that is itself a slice (not starting at index 0) splits the same way.
        let padded = Data("xx".utf8) + blob
        #expect(BatchInputChunks.lines(padded[2...]).map { String(decoding: $0, as: UTF8.self) } == expected)
    }
}
