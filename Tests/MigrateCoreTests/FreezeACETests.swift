import MigrateCore
import XCTest

/// The deny-write freeze's ACE: added first, once; taken away exactly.
final class FreezeACETests: XCTestCase {
    func testTheFreezeACEGoesFirstOnceAndComesAwayExactly() throws {
        let sd = try SecurityDescriptor(sddl: "O:BAG:SYD:PAI(A;OICI;0x1301bf;;;WD)(A;OICIID;FA;;;SY)")
        let frozen = sd.addingFreezeACE
        XCTAssertEqual(frozen.dacl?.first, FreezeACE.ace)
        XCTAssertEqual(frozen.dacl?.count, 3)
        XCTAssertEqual(frozen.control, sd.control, "the protected flag and the rest stay")
        XCTAssertEqual(frozen.addingFreezeACE, frozen, "a second freeze adds nothing")
        XCTAssertTrue(frozen.hasFreezeACE)
        XCTAssertEqual(frozen.removingFreezeACE, sd)
        XCTAssertEqual(frozen.removingFreezeACE.selfRelative, sd.selfRelative, "byte for byte")
        XCTAssertEqual(sd.removingFreezeACE, sd, "nothing to take from an unfrozen descriptor")
    }

    /// A deny ACE that only looks alike (inherited, or another mask) is not the freeze's.
    func testOnlyTheExactACEIsTheFreezes() throws {
        let inherited = try SecurityDescriptor(sddl: "D:(D;ID;0x00010156;;;WD)(A;;FA;;;BA)")
        XCTAssertFalse(inherited.hasFreezeACE)
        XCTAssertEqual(inherited.removingFreezeACE, inherited)
        let other = try SecurityDescriptor(sddl: "D:(D;;0x00000002;;;WD)(A;;FA;;;BA)")
        XCTAssertFalse(other.hasFreezeACE)
    }
}
