import ArchiveClient
import PostgresNIO
import PostgresStorage
import SQLiteStorage
import CreditCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Import and lookup throughput of the embedded archive (release build):
///
///     swift run -c release ArchiveBenchmark --entries 10000000 [--dir /tmp/creditgate-bench] [--lookups 200000]
///         [--database postgres://…]
///
/// 1. generates the synthetic defaulter feed (seed 2026) unless it is already there;
/// 2. imports it into a fresh archive, reporting wall time, lines/s and peak RSS: a SQLite file in
///    the folder, or with `--database` the PostgreSQL schema the URL names (emptied first);
/// 3. looks up candidates on one thread, in batches of 1,000 (one read transaction each): people
///    listed with a full ID (exact hits), people listed only under a mask (probable hits), and people
///    not listed (misses); current state and as of a past day.
struct Arguments {
    var entries = 1_000_000
    var lookups = 200_000
    var dir = "/tmp/creditgate-bench"
    /// Reuse an archive a previous run imported (to measure lookups alone).
    var reuse = false
    /// Run only the lookup measurements whose label contains this text (for profiling one).
    var only: String?
    /// A PostgreSQL URL: the archive is there instead of in a SQLite file.
    var database: String?

    init() {
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = it.next() {
            if flag == "--reuse" {
                reuse = true
                continue
            }
            let value = it.next() ?? ""
            switch flag {
            case "--entries": entries = Int(value) ?? entries
            case "--lookups": lookups = Int(value) ?? lookups
            case "--dir": dir = value
            case "--only": only = value
            case "--database": database = value
            default: fatalError("unknown argument \(flag)")
            }
        }
    }
}

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func measure(_ label: String, count: Int, _ body: () async throws -> Void) async rethrows {
    let start = Date()
    try await body()
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "%-46@ %10.0f /s  (%d in %.2f s)", label as NSString, Double(count) / seconds, count, seconds))
}

let arguments = Arguments()
let folder = URL(fileURLWithPath: arguments.dir, isDirectory: true)
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let feed = folder.appendingPathComponent("defaulters-\(arguments.entries).ndjson")
if !FileManager.default.fileExists(atPath: feed.path) {
    var generator = try SyntheticArchive(seed: 2026)
    let start = Date()
    let lines = try generator.writeDefaulters(count: arguments.entries, to: feed)
    print(String(format: "generated %d listings (%d lines) in %.1f s", arguments.entries, lines, Date().timeIntervalSince(start)))
}

/// A fresh (or, with `--reuse`, the previous) archive on the chosen backend.
func openArchive() async throws -> (store: any ArchiveStore, reusing: Bool) {
    if let url = arguments.database {
        let engine = try await PostgresEngine.open(url: url)
        let archive = try PostgresArchive(engine)
        let version = try await archive.version()
        let reusing = arguments.reuse && version != .empty
        if !reusing {
            try await engine.client.query("DROP SCHEMA \(unescaped: engine.schema) CASCADE")
            await engine.close()
            return (try PostgresArchive(try await PostgresEngine.open(url: url)), false)
        }
        return (archive, true)
    }
    let path = folder.appendingPathComponent("archive-\(arguments.entries).sqlite").path
    let reusing = arguments.reuse && FileManager.default.fileExists(atPath: path)
    if !reusing {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    return (try SQLiteArchive(path: path), reusing)
}

let (archive, reusing) = try await openArchive()
if !reusing {
    let rssBefore = peakRSSMiB()
    let report = try await archive.importDefaulters(from: feed, options: .init())
    print(String(format: "import: %d lines in %.1f s (%.0f lines/s), %d rejected; peak RSS %.0f MiB (before import %.0f MiB)",
                 report.accepted, report.seconds, Double(report.accepted) / report.seconds, report.rejected, peakRSSMiB(), rssBefore))
}

// Candidates: regenerate the listings (same seed) and sort them by how they were published.
var generator = try SyntheticArchive(seed: 2026)
var exact: [Candidate] = []
var probable: [Candidate] = []
let wanted = arguments.lookups
var scanned = 0
while (exact.count < wanted || probable.count < wanted) && scanned < arguments.entries {
    let listing = generator.listing()
    scanned += 1
    guard listing.finalOperation == .add else { continue }
    let candidate = Candidate(name: NormalisedName(listing.person.name), id: listing.person.id)
    if listing.masked { if probable.count < wanted { probable.append(candidate) } } else if exact.count < wanted { exact.append(candidate) }
}
var random = SeededRandom(seed: 99)
var misses: [Candidate] = []
while misses.count < wanted {
    // Region 710000 (Taiwan) is valid in GB/T 2260 but never generated: these people are not listed.
    if let id = try? ResidentID(region: "710101", birthDate: CalendarDay(dayNumber: random.int(-5000...12000)), sequence: random.int(0...999)) {
        misses.append(Candidate(name: NormalisedName("王伟"), id: id))
    }
}

func run(_ label: String, _ candidates: [Candidate], asOf: AsOf, expectHits: Bool) async throws {
    if let only = arguments.only, !label.contains(only) { return }
    var found = 0
    try await measure(label, count: candidates.count) {
        var index = 0
        while index < candidates.count {
            let batch = Array(candidates[index..<min(index + 1000, candidates.count)])
            let lookup = try await archive.lookup(batch, asOf: asOf)
            found += lookup.findings.filter { !$0.hits.isEmpty }.count
            index += 1000
        }
    }
    print("    \(found) of \(candidates.count) had hits\(expectHits ? "" : " (expected none)")")
}

// The first lookup loads the key filter: timed on its own, as a gateway pays it at start.
let warmStart = Date()
_ = try await archive.lookup([misses[0]], asOf: AsOf(day: try CalendarDay(year: 2026, month: 11, day: 1)))
print(String(format: "first lookup (loads the key filter): %.2f s", Date().timeIntervalSince(warmStart)))

let now = AsOf(day: try CalendarDay(year: 2026, month: 11, day: 1))
let past = AsOf(day: try CalendarDay(year: 2021, month: 6, day: 30))
// What a registration-day screening sees: nearly everyone is unknown to the archive.
var mixed: [Candidate] = []
for (index, miss) in misses.enumerated() { mixed.append(index % 100 == 0 ? exact[index % exact.count] : miss) }
try await run("mixed: 99% unknown, 1% exact hits, current", mixed, asOf: now, expectHits: true)
try await run("exact hits (full-ID listings), current", exact, asOf: now, expectHits: true)
try await run("probable hits (masked listings), current", probable, asOf: now, expectHits: true)
try await run("misses, current", misses, asOf: now, expectHits: false)
try await run("exact hits, as of 2021-06-30", exact, asOf: past, expectHits: true)
try await run("probable hits, as of 2021-06-30", probable, asOf: past, expectHits: true)
try await run("misses, as of 2021-06-30", misses, asOf: past, expectHits: false)
print(String(format: "peak RSS %.0f MiB", peakRSSMiB()))
