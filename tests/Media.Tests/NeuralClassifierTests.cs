using MediaCluster.Media;
using MediaCluster.Media.Learning;

namespace MediaCluster.Media.Tests;

/// <summary>Neural model files as nodes run them: a network computed by hand, and files that are not what they claim.</summary>
public sealed class NeuralClassifierTests
{
    // An mlp over 2 features, 2 hidden units, 2 labels: standardised input, ReLU, then the output layer.
    private static readonly NeuralHeader MlpHeader = new("mlp", [2], ["no", "yes"],
    [
        new("input.mean", [2]), new("input.std", [2]), new("fc1.weight", [2, 2]), new("fc1.bias", [2]), new("fc2.weight", [2, 2]), new("fc2.bias", [2]),
    ]);

    private static readonly float[][] MlpValues = [[1, 2], [2, 4], [1, 0, 0, -1], [0, 0.5f], [1, 0, 0, 1], [0, 1]];

    [Fact]
    public void AnMlp_GivesTheOutputsComputedByHand_AndItsSoftmaxAsConfidence()
    {
        var model = Classifier.Load(NeuralClassifier.Write(MlpHeader, MlpValues), "the test model");
        var network = Assert.IsType<NeuralClassifier>(model);

        // x = (3, 2): standardised (1, 0); hidden relu(1, 0.5) = (1, 0.5); outputs (1, 1.5).
        Assert.Equal([1f, 1.5f], network.Scores([3, 2]));
        var prediction = network.Predict([3, 2]);
        Assert.Equal("yes", prediction.Label);
        Assert.Equal(1 / (1 + Math.Exp(-0.5)), prediction.Confidence, 6);
        Assert.Equal(NeuralClassifier.Write(MlpHeader, MlpValues), network.ToBytes());
    }

    [Fact]
    public void FilesThatAreNotNetworks_AreRefusedNamingWhatIsWrong()
    {
        var good = NeuralClassifier.Write(MlpHeader, MlpValues);
        Assert.Equal("m is not a neural model: its tensors hold 16 floats, the file has room for 15",
            Assert.Throws<MediaException>(() => NeuralClassifier.Read(good[..^4], "m")).Message);
        var badShape = MlpHeader with { Tensors = [.. MlpHeader.Tensors.Take(4), new("fc2.weight", [3, 2]), new("fc2.bias", [2])] };
        Assert.Equal("m is not a neural model: fc2.weight is [3, 2], the network needs [2, 2]",
            Assert.Throws<MediaException>(() => NeuralClassifier.Read(NeuralClassifier.Write(badShape, [.. MlpValues.Take(4), new float[6], [0, 1]]), "m")).Message);
        Assert.Equal("m is not a neural model: network 'rnn' with input [2] is not one this build runs (cnn, mlp)",
            Assert.Throws<MediaException>(() => NeuralClassifier.Read(NeuralClassifier.Write(MlpHeader with { Network = "rnn" }, MlpValues), "m")).Message);
        Assert.Equal("m is not a neural model: input.std holds a value that is not above zero",
            Assert.Throws<MediaException>(() => NeuralClassifier.Read(NeuralClassifier.Write(MlpHeader, [MlpValues[0], [0, 4], .. MlpValues.Skip(2)]), "m")).Message);
        var lying = (byte[])good.Clone();
        BitConverter.GetBytes(int.MaxValue).CopyTo(lying, 8);
        Assert.Equal($"m is not a neural model: its header says {int.MaxValue} bytes, the file has {good.Length - 12} after the first 12",
            Assert.Throws<MediaException>(() => NeuralClassifier.Read(lying, "m")).Message);

        // Not MCNN: read as ML.NET's zip, which it is not either.
        Assert.StartsWith("m is not a classifier model: ", Assert.Throws<MediaException>(() => Classifier.Load("MCNX-garbage"u8.ToArray(), "m")).Message);
    }
}
