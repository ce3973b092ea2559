/// How a use case ends when it cannot do what it was asked: the exit status the commands
/// document (2 bad input or a refusal, 1 a run that failed, 128 + the signal for a stop) and
/// what to say, which nobody has said yet (empty when the use case already said it).
public struct UseCaseError: Error, CustomStringConvertible {
    public var status: Int32
    public var lines: [String]

    public static func badInput(_ lines: String...) -> UseCaseError { .init(status: 2, lines: lines) }
    public static func failed(_ lines: String...) -> UseCaseError { .init(status: 1, lines: lines) }
    public static func stopped(signal: Int32, _ line: String) -> UseCaseError { .init(status: 128 + signal, lines: [line]) }

    public var description: String { lines.joined(separator: "\n") }
}
