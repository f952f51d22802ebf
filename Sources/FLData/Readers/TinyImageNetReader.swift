import Foundation

/// Reads Tiny-ImageNet (200 classes, 3×64×64) from `.npy` arrays: uint8 images [N, 64, 64, 3]
/// (or [N, 3, 64, 64]) and integer labels [N].
///
/// Two file arrangements are accepted in the folder (or its `processed/` subfolder):
/// `x_train.npy` + `y_train.npy` (and `x_val.npy` / `x_test.npy` for the test split), or the
/// chunked arrays of the mammoth preprocessing, `x_train_01.npy` + `y_train_01.npy`, … , read
/// in chunk order and concatenated.
public enum TinyImageNetReader {
    /// The advice when the arrays are missing: flnb cannot download them.
    public static let defaultRemedy = "Tiny-ImageNet is not downloaded by flnb: put x_train.npy, y_train.npy, x_val.npy, y_val.npy (uint8 [N,64,64,3], int labels) or mammoth's processed x_train_01.npy … chunks in data/tiny-imagenet/"

    /// Reads the training split (`train: true`) or the validation split used as test set.
    public static func read(folder: String, train: Bool, name: String? = nil, remedy: String? = defaultRemedy) throws -> ImageSet {
        let splitNames = train ? ["train"] : ["val", "test"]
        let setName = name ?? "tiny-imagenet \(train ? "train" : "test")"
        for dir in [folder, folder + "/processed"] {
            for split in splitNames {
                let x = "\(dir)/x_\(split).npy", y = "\(dir)/y_\(split).npy"
                if DataFile.exists(x) {
                    return try check(ArrayImageReader.read(images: x, labels: y, name: setName, classCount: 200, remedy: remedy), x, remedy)
                }
                var chunks: [ImageSet] = []
                var k = 1
                func chunk(_ array: String) -> String { "\(dir)/\(array)_\(split)_\(k < 10 ? "0" : "")\(k).npy" }
                while DataFile.exists(chunk("x")) {
                    let xs = chunk("x"), ys = chunk("y")
                    chunks.append(try check(ArrayImageReader.read(images: xs, labels: ys, name: setName, classCount: 200, remedy: remedy), xs, remedy))
                    k += 1
                }
                if !chunks.isEmpty { return try ImageSet.concatenate(chunks, name: setName) }
            }
        }
        let expected = "\(folder)/x_\(splitNames[0]).npy"
        throw DataError.missing(expected, what: "Tiny-ImageNet \(train ? "training" : "validation") images as .npy (or x_\(splitNames[0])_01.npy chunks)", remedy: remedy)
    }

    private static func check(_ set: ImageSet, _ path: String, _ remedy: String?) throws -> ImageSet {
        guard set.channels == 3, set.height == 64, set.width == 64 else {
            throw DataError(path: path, "expected Tiny-ImageNet images of 3×64×64, found \(set.shapeDescription)", remedy: remedy)
        }
        return set
    }
}
