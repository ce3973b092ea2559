/// Where a use case says what it does: results on `out`, warnings and errors on `err`, a
/// progress line redrawn in place. The CLI's console is one; tests may collect the lines.
public protocol Output: AnyObject {
    func out(_ text: String)
    func err(_ text: String)
    func progress(_ text: String)
    func clearProgress()
}
