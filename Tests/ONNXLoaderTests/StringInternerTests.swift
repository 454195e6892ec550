import Foundation
import Testing
@testable import ONNXLoader

/// The converter's string table: equal C strings give one shared `String`, and every string is the
/// one `String(cString:)` makes.
@Suite struct StringInternerTests {
    /// The C strings of one test, freed with it: the interner keeps a pointer to the first copy of
    /// each string, which must outlive it (in the loader they live in the protobuf-c arena).
    final class CStrings {
        private var copies: [UnsafeMutablePointer<CChar>] = []
        deinit { for copy in copies { copy.deallocate() } }

        func make(_ bytes: [UInt8]) -> UnsafePointer<CChar> {
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (index, byte) in bytes.enumerated() { copy[index] = CChar(bitPattern: byte) }
            copy[bytes.count] = 0
            copies.append(copy)
            return UnsafePointer(copy)
        }
    }

    /// One per test (Swift Testing makes a suite value per test).
    let cStrings = CStrings()

    /// Runs `body` with a NUL-terminated copy of `bytes` at its own address (as protobuf-c leaves
    /// each field), kept until the test ends.
    func withCString<T>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        body(cStrings.make(bytes))
    }

    func storage(_ string: String) -> UnsafeRawPointer? {
        var string = string
        return string.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func equalLongNamesShareOneString() {
        var interner = StringInterner()
        let name = Array("/model/layers.17/self_attn/q_proj/MatMul_output_0".utf8)
        let first = withCString(name) { interner.string($0) }
        let second = withCString(name) { interner.string($0) }
        #expect(first == "/model/layers.17/self_attn/q_proj/MatMul_output_0")
        #expect(second == first)
        #expect(interner.count == 1)
        #expect(storage(first) == storage(second))
    }

    @Test func namesThatDifferOnlyInTheirLastByteStayApart() {
        var interner = StringInterner()
        // 20 bytes: two whole words and a tail that overlaps the second
        let a = withCString(Array("onnx::MatMul_0001234".utf8)) { interner.string($0) }
        let b = withCString(Array("onnx::MatMul_0001235".utf8)) { interner.string($0) }
        #expect(a == "onnx::MatMul_0001234")
        #expect(b == "onnx::MatMul_0001235")
        #expect(interner.count == 2)
    }

    @Test func shortNamesAreInternedToo() {
        var interner = StringInterner()
        let add = withCString(Array("Add".utf8)) { interner.string($0) }
        let addAgain = withCString(Array("Add".utf8)) { interner.string($0) }
        let mul = withCString(Array("Mul".utf8)) { interner.string($0) }
        let matMul = withCString(Array("MatMul".utf8)) { interner.string($0) }
        #expect([add, addAgain, mul, matMul] == ["Add", "Add", "Mul", "MatMul"])
        #expect(interner.count == 3)
    }

    @Test func emptyAndNullAreEmpty() {
        var interner = StringInterner()
        #expect(interner.string(nil) == "")
        #expect(withCString([]) { interner.string($0) } == "")
        #expect(interner.count == 0)
    }

    @Test func invalidUTF8IsRepairedAsStringCStringRepairsIt() {
        var interner = StringInterner()
        for bytes: [UInt8] in [[0x61, 0xFF, 0x62], Array(repeating: 0x61, count: 20) + [0xC3]] {
            let expected = withCString(bytes) { String(cString: $0) }
            #expect(withCString(bytes) { interner.string($0) } == expected)
            #expect(withCString(bytes) { interner.string($0) } == expected) // found again by its bytes
        }
        #expect(interner.count == 2)
    }

    @Test func manyNamesSurviveTheTableGrowing() {
        var interner = StringInterner(capacity: 4)
        let names = (0..<5000).map { "/model/layers.\($0 / 100)/mlp/Mul_\($0)_output_0" }
        let pointers = names.map { strdup($0)! }
        defer { pointers.forEach { free($0) } }
        let first = pointers.map { interner.string($0) }
        let second = pointers.map { interner.string($0) }
        #expect(first == names)
        #expect(second == names)
        #expect(interner.count == 5000)
    }

    @Test func theHashReadsOnlyTheStringsBytes() {
        // the same bytes at different addresses, and inside a longer buffer, hash alike
        let text = Array("abcdefghijklmnopq".utf8)
        let padded = text + Array("XYZ".utf8)
        let plain = text.withUnsafeBufferPointer { StringInterner.hash($0.baseAddress!, count: 17) }
        let inside = padded.withUnsafeBufferPointer { StringInterner.hash($0.baseAddress!, count: 17) }
        let short = padded.withUnsafeBufferPointer { StringInterner.hash($0.baseAddress!, count: 3) }
        let shortAlone = Array("abc".utf8).withUnsafeBufferPointer { StringInterner.hash($0.baseAddress!, count: 3) }
        #expect(plain == inside)
        #expect(short == shortAlone)
        #expect(plain != short)
    }

    /// Nor the bytes before it: a name shorter than 8 bytes once also read the 8 bytes ending at its
    /// end, reaching before its start (AddressSanitizer: use-after-poison in the arena's red zone).
    @Test(arguments: 1...15)
    func theHashReadsNothingBeforeTheString(count: Int) {
        let name = Array("abcdefghijklmno".utf8.prefix(count))
        let afterZeros = [UInt8](repeating: 0, count: 8) + name
        let afterOnes = [UInt8](repeating: 0xFF, count: 8) + name
        let a = afterZeros.withUnsafeBufferPointer { StringInterner.hash($0.baseAddress! + 8, count: count) }
        let b = afterOnes.withUnsafeBufferPointer { StringInterner.hash($0.baseAddress! + 8, count: count) }
        #expect(a == b)
    }
}
