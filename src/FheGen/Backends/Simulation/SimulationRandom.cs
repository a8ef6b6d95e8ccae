using System.Numerics;

namespace FheGen.Backends;

/// <summary>
/// xoshiro256** (Blackman and Vigna) seeded through splitmix64: a small, fast generator whose output for a given
/// seed is fixed by this code, so simulations replay identically on every runtime version. <c>System.Random</c>
/// promises no such thing for seeded sequences.
/// </summary>
/// <remarks>A mutable struct: pass it by <c>ref</c>, or copies will replay the same numbers.</remarks>
public struct SimulationRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four state words with consecutive splitmix64 outputs, as the authors recommend.</summary>
    public SimulationRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>One step of splitmix64 (Steele, Lea and Flood): advances <paramref name="state"/> and returns a mixed value.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
