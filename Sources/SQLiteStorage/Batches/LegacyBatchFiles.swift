import Foundation
import GRDB
import Storage

/// Before version 3 of `batches.sqlite`, a job's input and results were files beside it
/// (`<id>.input.ndjson`, `<id>.results.ndjson`) and its progress a byte offset into the input.
/// The migration moves them into the tables; the files are removed once it has committed.
enum LegacyBatchFiles {
    static func input(_ folder: URL, _ id: String) -> URL { folder.appendingPathComponent("\(id).input.ndjson") }
    static func results(_ folder: URL, _ id: String) -> URL { folder.appendingPathComponent("\(id).results.ndjson") }

    /// Inside the migration's transaction: every job's results, and the input of unfinished ones.
    static func move(in folder: URL, into db: Database) throws {
        let insertInput = try db.makeStatement(sql: "INSERT INTO batch_input (batch_id, chunk, lines) VALUES (?, ?, ?)")
        let insertResults = try db.makeStatement(sql: "INSERT INTO batch_results (batch_id, chunk, lines) VALUES (?, ?, ?)")
        for row in try Row.fetchAll(db, sql: "SELECT batch_id, status, done, results_bytes FROM batches") {
            let (id, status, done, resultsBytes): (String, String, Int, Int) = (row[0], row[1], row[2], row[3])
            let unfinished = status == "queued" || status == "running"
            // Progress was committed a chunk of lines at a time, so it falls on a chunk boundary;
            // a job that stopped elsewhere cannot be resumed line for line and is ended plainly.
            if unfinished, done % BatchJobRecord.chunkLines != 0 {
                try db.execute(sql: "UPDATE batches SET status = 'failed', failure = ? WHERE batch_id = ?",
                               arguments: ["the job could not be resumed after the upgrade; send it again", id])
                continue
            }
            let resultsFile = results(folder, id)
            var resultChunks = 0
            if FileManager.default.fileExists(atPath: resultsFile.path) {
                // What a crash left past the last committed chunk is not part of the results.
                let handle = try FileHandle(forWritingTo: resultsFile)
                try handle.truncate(atOffset: UInt64(resultsBytes))
                try handle.close()
                var lines = try LineChunks(file: resultsFile, offset: 0)
                defer { lines.close() }
                while true {
                    var blob: [UInt8] = []
                    guard try lines.append(BatchJobRecord.chunkLines, to: &blob).lines > 0 else { break }
                    try insertResults.execute(arguments: [id, resultChunks, Data(blob)])
                    resultChunks += 1
                }
            }
            let inputFile = input(folder, id)
            if unfinished, FileManager.default.fileExists(atPath: inputFile.path) {
                var chunks = try BatchInputChunks(file: inputFile)
                while let (number, blob) = try chunks.next() { try insertInput.execute(arguments: [id, number, blob]) }
            }
            // An unfinished job resumes at the chunk after its progress; a finished one's results
            // are read up to its last chunk, which may be short.
            let nextChunk = unfinished ? done / BatchJobRecord.chunkLines : resultChunks
            try db.execute(sql: "UPDATE batches SET next_chunk = ? WHERE batch_id = ?", arguments: [nextChunk, id])
        }
    }

    /// Removes the files of earlier versions (all moved by then).
    static func remove(in folder: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasSuffix(".input.ndjson") || name.hasSuffix(".results.ndjson") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}
