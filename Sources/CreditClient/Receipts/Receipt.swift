import Foundation

/// One answer kept as evidence: the request line it answered, and the response exactly as it came —
/// status, every header (the signature among them) and the body's bytes.
///
/// A receipt is a text file a person can read and `credit verify` can check without the server:
///
/// ```
/// CreditGate receipt 1
/// POST https://localhost:8443/v1/checks
/// 200
/// content-type: application/json
/// content-digest: sha-256=:…:
/// signature-input: sig=("@status" "content-type" "content-digest" "@method";req "@path";req);created=…
/// signature: sig=:…:
///
/// {"audit":{…},"candidate":{…},"checkId":"chk_…","decision":"CLEAR",…}
/// ```
///
/// The body follows the blank line to the end of the file, byte for byte. The request body is not
/// kept: it holds the candidate's full ID number.
package struct Receipt: Sendable {
    package var method: String
    /// The absolute URL asked, with its query.
    package var url: String
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package static let magic = "CreditGate receipt 1"

    package init(method: String, url: String, status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (names compared without case).
    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Everything before the body (a streamed body is written after it).
    package var head: [UInt8] {
        var text = "\(Self.magic)\n\(method) \(url)\n\(status)\n"
        for (name, value) in headers { text += "\(name.lowercased()): \(value)\n" }
        return Array((text + "\n").utf8)
    }

    /// The whole file.
    package var bytes: [UInt8] { head + body }

    /// Writes the file whole (through a temporary file, so a receipt is never half written).
    package func write(to file: URL) throws {
        try Data(bytes).write(to: file, options: .atomic)
    }

    package init(bytes: [UInt8]) throws(ReceiptError) {
        var lines: [String] = []
        var start = 0
        var bodyStart: Int?
        for (i, byte) in bytes.enumerated() where byte == 0x0A {
            let line = String(decoding: bytes[start..<i], as: UTF8.self)
            start = i + 1
            if line.isEmpty {
                bodyStart = start
                break
            }
            lines.append(line)
        }
        guard let bodyStart, lines.count >= 3, lines[0] == Self.magic else {
            throw ReceiptError("not a CreditGate receipt (it starts with \"\(Self.magic)\", three lines and a blank line)")
        }
        let request = lines[1].split(separator: " ", maxSplits: 1)
        guard request.count == 2, let status = Int(lines[2]) else { throw ReceiptError("the request line or the status is malformed") }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst(3) {
            guard let colon = line.firstIndex(of: ":") else { throw ReceiptError("a header line has no colon") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
        }
        self.init(method: String(request[0]), url: String(request[1]), status: status, headers: headers, body: Array(bytes[bodyStart...]))
    }
}

/// A receipt file that cannot be read as one.
package struct ReceiptError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
