@main struct OnnxCost { static func main() {} }
