using System;
using FheGen.Tfhe.Commons;
using FheGen.Tfhe.Entities;

namespace FheGen.Tfhe.Algorithms;

/// <summary>
/// Server-side evaluation of table lookups, KS → PBS order (as TFHE-rs shortint "KS_PBS"): ciphertexts live
/// between operations at the big dimension k·N under the flattened GLWE key (the output of the sample
/// extraction), linear operations are done there, and <see cref="Apply(LweCiphertext, TestPolynomial, LweCiphertext)"/> first key-switches to dimension n, then
/// blind-rotates and sample-extracts back to k·N. <see cref="ProgrammableBootstrap(LweCiphertext, TestPolynomial, LweCiphertext)"/> is the PBS alone
/// (n → k·N). Holds scratch buffers: not thread-safe, use one instance per thread (the keys can be shared).
/// </summary>
internal sealed class ProgrammableBootstrapper
{
    private readonly ExternalProduct _externalProduct;
    private readonly GlweCiphertext _accumulator;
    private readonly GlweCiphertext _rotated;
    private readonly LweCiphertext _small;
    private GlweCiphertext[] _batchAccumulators = [];

    /// <summary>Creates an evaluator over shared keys.</summary>
    public ProgrammableBootstrapper(BootstrapKey bootstrapKey, KeySwitchKey keySwitchKey)
    {
        ArgumentNullException.ThrowIfNull(bootstrapKey);
        ArgumentNullException.ThrowIfNull(keySwitchKey);
        // The keyswitch input may be another set's big key (circuits with a parameter set per TLU width); only its
        // output must be the bootstrapping key's input.
        if (keySwitchKey.OutputDimension != bootstrapKey.LweDimension)
            throw new ArgumentException("Keyswitch key dimensions do not match the bootstrapping key.", nameof(keySwitchKey));
        BootstrapKey = bootstrapKey;
        KeySwitchKey = keySwitchKey;
        _externalProduct = new ExternalProduct(bootstrapKey.GlweDimension, bootstrapKey.PolynomialSize, bootstrapKey.Decomposer);
        _accumulator = new GlweCiphertext(bootstrapKey.GlweDimension, bootstrapKey.PolynomialSize);
        _rotated = new GlweCiphertext(bootstrapKey.GlweDimension, bootstrapKey.PolynomialSize);
        _small = new LweCiphertext(bootstrapKey.LweDimension);
    }

    /// <summary>
    /// Runs the blind rotation with the former kernels (rotation into a scratch GLWE, then the unfused external
    /// product) instead of the fused ones. Same result bit for bit; kept for the kernel tests and the
    /// <c>--measure-blind-rotation</c> benchmark's old-against-new comparison.
    /// </summary>
    internal bool UseReferenceKernels { get; set; }

    /// <summary>The bootstrapping key.</summary>
    public BootstrapKey BootstrapKey { get; }

    /// <summary>The keyswitch key (a big key of dimension k·N → n).</summary>
    public KeySwitchKey KeySwitchKey { get; }

    /// <summary>Big (between-operations) LWE dimension k·N of the outputs.</summary>
    public int BigLweDimension => BootstrapKey.GlweDimension * BootstrapKey.PolynomialSize;

    /// <summary>
    /// Blind rotation: <paramref name="accumulator"/> ← X^{−b̃}·TP, then for each i
    /// ACC ← ACC + BSK_i ⊡ (X^{ã_i}·ACC − ACC), with (ã, b̃) the input modulus-switched to 2N. The result's
    /// phase is X^{−(b̃ − Σ ã_i s_i)}·TP.
    /// </summary>
    public void BlindRotate(LweCiphertext input, TestPolynomial testPolynomial, GlweCiphertext accumulator)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(testPolynomial);
        ArgumentNullException.ThrowIfNull(accumulator);
        var bsk = BootstrapKey;
        int n = bsk.PolynomialSize;
        int k = bsk.GlweDimension;
        if (input.LweDimension != bsk.LweDimension)
            throw new ArgumentException($"Expected LWE dimension {bsk.LweDimension}.", nameof(input));
        if (testPolynomial.PolynomialSize != n)
            throw new ArgumentException("Test polynomial size does not match.", nameof(testPolynomial));
        if (accumulator.GlweDimension != k || accumulator.PolynomialSize != n)
            throw new ArgumentException("Accumulator shape does not match.", nameof(accumulator));

        int bTilde = Torus.ModulusSwitchTo2N(input.Body, n);
        accumulator.Mask.Clear();
        Polynomial.MultiplyByMonomial(testPolynomial.Coefficients, -bTilde, accumulator.Body);

        ReadOnlySpan<ulong> mask = input.Mask;
        if (!UseReferenceKernels)
        {
            for (int i = 0; i < mask.Length; i++)
            {
                int aTilde = Torus.ModulusSwitchTo2N(mask[i], n);
                if (aTilde == 0)
                    continue; // X^0·ACC − ACC = 0: the CMux leaves ACC unchanged.
                _externalProduct.CMuxAdd(bsk[i], accumulator, aTilde, i + 1 < mask.Length ? bsk[i + 1] : null);
            }

            return;
        }

        for (int i = 0; i < mask.Length; i++)
        {
            int aTilde = Torus.ModulusSwitchTo2N(mask[i], n);
            if (aTilde == 0)
                continue; // X^0·ACC − ACC = 0: the CMux leaves ACC unchanged.
            for (int c = 0; c <= k; c++)
            {
                Span<ulong> src = c < k ? accumulator.MaskPolynomial(c) : accumulator.Body;
                Span<ulong> dst = c < k ? _rotated.MaskPolynomial(c) : _rotated.Body;
                Polynomial.MultiplyByMonomialMinusSource(src, aTilde, dst);
            }

            _externalProduct.ComputeAdd(bsk[i], _rotated, accumulator);
        }
    }

    /// <summary>
    /// The blind rotations of several ciphertexts in one pass over the bootstrapping key: CMux i of every ciphertext
    /// runs before CMux i + 1 of any, so each GGSW is read from memory once per batch instead of once per ciphertext
    /// (a layer's lookups share the key). Each accumulator ends exactly as
    /// <see cref="BlindRotate(LweCiphertext, TestPolynomial, GlweCiphertext)"/> would leave it. Always the fused kernels.
    /// </summary>
    /// <param name="inputs">Dimension-n ciphertexts.</param>
    /// <param name="testPolynomials">One test polynomial per input.</param>
    /// <param name="accumulators">One accumulator per input, overwritten (distinct objects).</param>
    internal void BlindRotate(
        ReadOnlySpan<LweCiphertext> inputs, ReadOnlySpan<TestPolynomial> testPolynomials, ReadOnlySpan<GlweCiphertext> accumulators)
    {
        if (testPolynomials.Length != inputs.Length || accumulators.Length != inputs.Length)
            throw new ArgumentException("One test polynomial and one accumulator per input are needed.");
        var bsk = BootstrapKey;
        int n = bsk.PolynomialSize;
        int k = bsk.GlweDimension;
        for (int b = 0; b < inputs.Length; b++)
        {
            var input = inputs[b] ?? throw new ArgumentException("Null input.", nameof(inputs));
            var tp = testPolynomials[b] ?? throw new ArgumentException("Null test polynomial.", nameof(testPolynomials));
            var accumulator = accumulators[b] ?? throw new ArgumentException("Null accumulator.", nameof(accumulators));
            if (input.LweDimension != bsk.LweDimension)
                throw new ArgumentException($"Expected LWE dimension {bsk.LweDimension}.", nameof(inputs));
            if (tp.PolynomialSize != n)
                throw new ArgumentException("Test polynomial size does not match.", nameof(testPolynomials));
            if (accumulator.GlweDimension != k || accumulator.PolynomialSize != n)
                throw new ArgumentException("Accumulator shape does not match.", nameof(accumulators));
            for (int c = 0; c < b; c++)
            {
                if (ReferenceEquals(accumulators[c], accumulator))
                    throw new ArgumentException("Accumulators must be distinct.", nameof(accumulators));
            }

            accumulator.Mask.Clear();
            Polynomial.MultiplyByMonomial(tp.Coefficients, -Torus.ModulusSwitchTo2N(input.Body, n), accumulator.Body);
        }

        for (int i = 0; i < bsk.LweDimension; i++)
        {
            // The batch's first CMux prefetches the next GGSW; the others find this one in cache.
            FourierGgsw? next = i + 1 < bsk.LweDimension ? bsk[i + 1] : null;
            for (int b = 0; b < inputs.Length; b++)
            {
                int aTilde = Torus.ModulusSwitchTo2N(inputs[b].Mask[i], n);
                if (aTilde == 0)
                    continue;
                _externalProduct.CMuxAdd(bsk[i], accumulators[b], aTilde, next);
                next = null;
            }
        }
    }

    /// <summary>
    /// PBS alone: blind rotation of a dimension-n ciphertext then sample extraction of coefficient 0 into
    /// <paramref name="output"/> (dimension k·N, under the flattened GLWE key).
    /// </summary>
    public void ProgrammableBootstrap(LweCiphertext input, TestPolynomial testPolynomial, LweCiphertext output)
    {
        BlindRotate(input, testPolynomial, _accumulator);
        _accumulator.SampleExtract(0, output);
    }

    /// <summary>
    /// PBS alone of several ciphertexts in one pass over the bootstrapping key
    /// (<see cref="BlindRotate(ReadOnlySpan{LweCiphertext}, ReadOnlySpan{TestPolynomial}, ReadOnlySpan{GlweCiphertext})"/>),
    /// then the sample extraction of each: the same outputs as one
    /// <see cref="ProgrammableBootstrap(LweCiphertext, TestPolynomial, LweCiphertext)"/> per input.
    /// </summary>
    /// <param name="inputs">Dimension-n ciphertexts.</param>
    /// <param name="testPolynomials">One test polynomial per input.</param>
    /// <param name="outputs">One dimension-k·N ciphertext per input, overwritten.</param>
    internal void ProgrammableBootstrap(
        ReadOnlySpan<LweCiphertext> inputs, ReadOnlySpan<TestPolynomial> testPolynomials, ReadOnlySpan<LweCiphertext> outputs)
    {
        if (outputs.Length != inputs.Length)
            throw new ArgumentException("One output per input is needed.", nameof(outputs));
        if (_batchAccumulators.Length < inputs.Length)
        {
            int grown = _batchAccumulators.Length;
            Array.Resize(ref _batchAccumulators, inputs.Length);
            for (int b = grown; b < inputs.Length; b++)
                _batchAccumulators[b] = new GlweCiphertext(BootstrapKey.GlweDimension, BootstrapKey.PolynomialSize);
        }

        var accumulators = _batchAccumulators.AsSpan(0, inputs.Length);
        BlindRotate(inputs, testPolynomials, accumulators);
        for (int b = 0; b < inputs.Length; b++)
            accumulators[b].SampleExtract(0, outputs[b] ?? throw new ArgumentException("Null output.", nameof(outputs)));
    }

    /// <summary>
    /// PBS of a dimension-n ciphertext of a p-bit message (one padding bit) through <paramref name="table"/>
    /// (2^p entries, output encoded at the same p): a new ciphertext of dimension k·N. Builds the test polynomial
    /// on every call; reuse a <see cref="TestPolynomial"/> with the other overload in loops.
    /// </summary>
    public LweCiphertext ProgrammableBootstrap(LweCiphertext input, ReadOnlySpan<ulong> table)
    {
        var output = new LweCiphertext(BigLweDimension);
        ProgrammableBootstrap(input, TestPolynomial.FromTable(BootstrapKey.PolynomialSize, table), output);
        return output;
    }

    /// <summary>Keyswitch k·N → n into <paramref name="output"/>.</summary>
    public void KeySwitch(LweCiphertext input, LweCiphertext output) => KeySwitchKey.KeySwitch(input, output);

    /// <summary>
    /// Table lookup on a big (k·N) ciphertext: keyswitch to n, then PBS back to k·N. <paramref name="output"/> may be
    /// <paramref name="input"/>.
    /// </summary>
    public void Apply(LweCiphertext input, TestPolynomial testPolynomial, LweCiphertext output)
    {
        KeySwitchKey.KeySwitch(input, _small);
        ProgrammableBootstrap(_small, testPolynomial, output);
    }

    /// <summary>Table lookup (KS then PBS) on a big (k·N) ciphertext into a new ciphertext; see <see cref="Apply(LweCiphertext, TestPolynomial, LweCiphertext)"/>.</summary>
    public LweCiphertext Apply(LweCiphertext input, ReadOnlySpan<ulong> table)
    {
        var output = new LweCiphertext(BigLweDimension);
        Apply(input, TestPolynomial.FromTable(BootstrapKey.PolynomialSize, table), output);
        return output;
    }
}
