using System;
using FheGen.Compiler.Plan;

namespace FheGen.Compiler.Parameters;

/// <summary>
/// The reads of a circuit and the parameter sets selected for them, as the encrypted backend runs it: FheGen.Tfhe's
/// <c>CircuitEncoding.Create</c> is built from this, and the cost model prices the very same sets
/// (<see cref="Cost.CostModel.EstimateEncrypted"/>).
/// </summary>
/// <param name="Reads">The reads, keys and stages (<see cref="CircuitReads.Derive"/>).</param>
/// <param name="Selection">The parameter set of every key set.</param>
public sealed record EncryptionSelection(CircuitReads Reads, CircuitParameterSelection Selection)
{
    /// <summary>
    /// Smallest relative saving in estimated cost for which <see cref="Select"/> gives the inputs a set of their own
    /// (its keys add key-generation time and server-key size).
    /// </summary>
    public const double InputSetMinimumSaving = 0.1;

    /// <summary>
    /// Derives the reads of <paramref name="plan"/> and selects their parameter sets at <paramref name="pError"/> per
    /// read. With <paramref name="inputSet"/> null, an input set (see <c>CircuitEncoding</c>) is taken when it is
    /// possible and lowers the estimated cost by <see cref="InputSetMinimumSaving"/> or more.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">p_error is not in (0, 1).</exception>
    /// <exception cref="NotSupportedException">A value would need more than 62 message bits.</exception>
    /// <exception cref="InvalidOperationException">No secure parameter set meets every read.</exception>
    /// <exception cref="ArgumentException"><paramref name="inputSet"/> is true where an input set is not possible.</exception>
    public static EncryptionSelection Select(CircuitPlan plan, double pError, ParameterSearchSpace? space = null, bool setPerWidth = true, bool? inputSet = null)
    {
        Numerics.ThrowIfNull(plan, nameof(plan));
        if (!(pError > 0 && pError < 1))
            throw new ArgumentOutOfRangeException(nameof(pError), pError, "p_error must be in (0, 1) under encryption (0 would need infinite parameters).");

        // A first layer rounded exactly may do better with its own set for the inputs and its extraction reads, whose
        // blind rotations then run in that (smaller) ring instead of the lookup's.
        bool possible = CircuitReads.InputSetPossible(plan, setPerWidth);
        if (inputSet == true && !possible)
            throw new ArgumentException("An input set needs one set per width and a first layer with exact rounding.", nameof(inputSet));
        if (inputSet is bool forced)
            return Build(plan, pError, space, setPerWidth, forced);
        var chosen = Build(plan, pError, space, setPerWidth, inputSet: false);
        if (possible)
        {
            var withInputSet = Build(plan, pError, space, setPerWidth, inputSet: true);
            if (withInputSet.Selection.Cost < (1 - InputSetMinimumSaving) * chosen.Selection.Cost) chosen = withInputSet;
        }

        return chosen;
    }

    private static EncryptionSelection Build(CircuitPlan plan, double p, ParameterSearchSpace? space, bool setPerWidth, bool inputSet)
    {
        var reads = CircuitReads.Derive(plan, setPerWidth, inputSet);
        var selection = ParameterSelector.SelectKeySets(reads.Constraints, reads.KeyDescriptions.Count, ParameterSelector.Log2PError(p), space);
        return new EncryptionSelection(reads, selection);
    }
}
