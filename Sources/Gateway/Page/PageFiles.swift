import Foundation

/// The verification page's files (`Resources/page`), read once at start: the page, its scripts,
/// its style sheet and its images. Everything it needs is here, so it loads with no network
/// beyond the gateway and keeps working when saved and opened offline.
package struct PageFiles: Sendable {
    package enum Kind: Sendable {
        case script, style, image
    }

    package struct File: Sendable {
        package var kind: Kind
        package var bytes: [UInt8]
    }

    package let index: [UInt8]
    /// By name (`verify.js`), as the page asks for them under `/page/`.
    package let files: [String: File]

    package static func bundled() throws -> PageFiles {
        guard let folder = Bundle.module.url(forResource: "page", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Resources/page"])
        }
        var files: [String: File] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let kind: Kind
            switch (name as NSString).pathExtension {
            case "js": kind = .script
            case "css": kind = .style
            case "svg": kind = .image
            default: continue
            }
            files[name] = File(kind: kind, bytes: Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
        return PageFiles(index: Array(try Data(contentsOf: folder.appendingPathComponent("index.html"))), files: files)
    }
}
