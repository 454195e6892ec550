import Foundation
@testable import DeviceDB
import Testing

/// `DeviceCatalog.builtinDevices(named:)` decodes only the rows asked for; it must give what the full
/// table gives, in the same order, with the same errors.
@Suite struct DeviceSelectionTests {
    @Test(arguments: [["t4"], ["T4"], ["t4,a100"], ["t4", "a100", "t4"], [" t4 , h100 "], ["all"], ["a100", "all"], [""], []])
    func sameAsTheFullTable(names: [String]) throws {
        let full = try DeviceCatalog.builtin().devices(named: names)
        #expect(try DeviceCatalog.builtinDevices(named: names) == full)
    }

    /// Every id and alias of the table selects the same device as the full table.
    @Test func everyNameOfTheTable() throws {
        let catalog = try DeviceCatalog.builtin()
        for device in catalog.devices {
            for name in [device.id] + device.aliases {
                #expect(try DeviceCatalog.builtinDevices(named: [name]) == catalog.devices(named: [name]), "\(name)")
            }
        }
    }

    @Test func unknownNameIsTheFullTablesError() throws {
        var selected = "", full = ""
        do { _ = try DeviceCatalog.builtinDevices(named: ["t4,nosuch"]) } catch { selected = error.description }
        do { _ = try DeviceCatalog.builtin().devices(named: ["t4,nosuch"]) } catch { full = error.description }
        #expect(!full.isEmpty)
        #expect(selected == full)
    }
}
