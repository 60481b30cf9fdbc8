import NIOCore

/// A PostgreSQL `numeric` in binary form printed as PostgreSQL prints it (`numeric_out`):
/// every digit, and exactly `dscale` digits after the point (`5.00`, `0.10`).
///
/// Hand-written: PostgresNIO decodes `numeric` to `Decimal` (which drops the scale and has
/// 38 digits) or to `PostgresNumeric`, whose text drops trailing zeros of the scale.
package struct NumericText {
    package let text: String

    /// Reads `ndigits`, `weight`, `sign`, `dscale` and the base-10000 digits.
    package init?(_ buffer: inout ByteBuffer) {
        guard let count = buffer.readInteger(as: Int16.self), let weight = buffer.readInteger(as: Int16.self),
              let sign = buffer.readInteger(as: UInt16.self), let scale = buffer.readInteger(as: Int16.self),
              count >= 0, scale >= 0 else { return nil }
        var digits: [Int16] = []
        for _ in 0..<count {
            guard let digit = buffer.readInteger(as: Int16.self), (0..<10_000).contains(digit) else { return nil }
            digits.append(digit)
        }
        switch sign {
        case 0xC000: text = "NaN"; return
        case 0xD000: text = "Infinity"; return
        case 0xF000: text = "-Infinity"; return
        case 0x0000, 0x4000: break
        default: return nil
        }
        func group(_ index: Int) -> Int16 { digits.indices.contains(index) ? digits[index] : 0 }
        var result = sign == 0x4000 ? "-" : ""
        if weight < 0 {
            result += "0"
        } else {
            result += String(group(0))
            for index in stride(from: 1, through: Int(weight), by: 1) { result += Self.fourDigits(group(index)) }
        }
        if scale > 0 {
            var fraction = ""
            var index = Int(weight) + 1
            while fraction.count < Int(scale) {
                fraction += Self.fourDigits(group(index))
                index += 1
            }
            result += "." + fraction.prefix(Int(scale))
        }
        text = result
    }

    private static func fourDigits(_ group: Int16) -> String {
        let digits = String(group)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
