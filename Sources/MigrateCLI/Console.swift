import Glibc
import UseCases

/// Where the CLI writes: results to stdout, progress and errors to stderr. A progress line is
/// redrawn in place on a terminal and printed as plain periodic lines otherwise (logs, nohup).
final class Console: Output {
    let isTerminal = isatty(STDERR_FILENO) == 1
    /// A plain progress line comes 10 s after the start at the earliest (none for what is done sooner).
    private var lastPlain = Double(time(nil))
    private var drawn = false

    func out(_ text: String) { print(text) }

    func err(_ text: String) {
        clearProgress()
        writeErr(text + "\n")
    }

    func progress(_ text: String) {
        if isTerminal {
            var columns = winsize()
            let width = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &columns) == 0 && columns.ws_col > 20 ? Int(columns.ws_col) : 100
            writeErr("\r\u{1B}[K" + String(text.prefix(width - 1)))
            drawn = true
        } else {
            let now = Double(time(nil))
            if now - lastPlain >= 10 { lastPlain = now; writeErr(text + "\n") }
        }
    }

    func clearProgress() {
        if drawn { writeErr("\r\u{1B}[K"); drawn = false }
    }
}

/// Unbuffered write to stderr (the C `stderr` global is not concurrency-safe in Swift 6).
func writeErr(_ text: String) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { return }
        done += n
    }
}
