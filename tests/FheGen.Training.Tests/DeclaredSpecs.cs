using System;
using FheGen.Compiler.Model;

namespace FheGen.Training.Tests;

/// <summary>Specs as a model class would declare a hidden-ReLU MLP, before any weights are read (tests add them).</summary>
internal static class DeclaredSpecs
{
    /// <summary>A layer whose members are not read yet.</summary>
    public static LayerSpec Layer(string name, int outputs, ActivationKind activation) => new LayerSpec
    {
        Name = name,
        Outputs = outputs,
        Activation = activation,
        Weights = EquatableArray<float>.Empty,
    };

    /// <summary>Inputs, a ReLU layer "Hidden", an identity layer "Output"; model-wide quantization, optional pruning and rounding of Hidden.</summary>
    public static ModelSpec Mlp(string name, int inputs, int hidden, int outputs, int inputBits, double inputMin, double inputMax,
        QuantizeSetting quantize, int? maxActive = null, int? roundBits = null, int budget = 8) =>
        new ModelSpec
        {
            Name = name,
            Inputs = inputs,
            InputBits = inputBits,
            InputMin = inputMin,
            InputMax = inputMax,
            PbsBudgetBits = budget,
            PError = Math.Pow(2, -40),
            Layers = EquatableArray.Of(Layer("Hidden", hidden, ActivationKind.Relu), Layer("Output", outputs, ActivationKind.Identity)),
            Quantize = EquatableArray.Of(quantize),
            Prune = maxActive is int k ? EquatableArray.Of(new PruneSetting("Hidden", k)) : EquatableArray<PruneSetting>.Empty,
            Round = roundBits is int r ? EquatableArray.Of(new RoundSetting("Hidden", r)) : EquatableArray<RoundSetting>.Empty,
        };
}
