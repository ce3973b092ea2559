import MigrateCore
import TreeConformance
import XCTest

/// The descriptor parsers on thousands of variants of real descriptors: binary (what a server
/// sends), SDDL and libsmbclient's text (what helpers and tools print). Each variant is a
/// descriptor or an error; none traps, and what parses writes itself out again.
final class DescriptorFuzzTests: XCTestCase {
    let sddls = ["O:S-1-5-21-1111111111-2222222222-3333333333-1000G:S-1-5-21-1111111111-2222222222-3333333333-513D:PAI(A;OICI;0x1301bf;;;WD)(A;OICIID;FA;;;SY)(D;;0x00010156;;;WD)S:(AU;OICIFA;0x1f01ff;;;WD)",
                 "D:(A;;FA;;;BA)", "O:BAG:SYD:AI(A;OICIID;0x1200a9;;;BU)(A;CIIO;FA;;;CO)"]

    func testBinaryDescriptors() throws {
        let corpus = try sddls.map { try SecurityDescriptor(sddl: $0).selfRelative }
        Fuzz.run(corpus, count: 3000) { bytes in
            guard let sd = try? SecurityDescriptor(selfRelative: bytes) else { return }
            // Written out, it reads back as written (the control's self-relative and present bits
            // are set by the writer, so the first round may change them; never a second).
            let again = sd.selfRelative
            XCTAssertEqual((try? SecurityDescriptor(selfRelative: again))?.selfRelative, again, "what parses writes itself out again")
            _ = sd.sddl
            _ = sd.addingFreezeACE.removingFreezeACE
        }
    }

    func testDescriptorText() {
        Fuzz.run(sddls.map { Array($0.utf8) }, count: 3000) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? SecurityDescriptor(sddl: text)
            _ = try? SecurityDescriptor(libsmbclientText: text)
        }
    }
}
