using System;
using System.Collections;
using System.Collections.Generic;

namespace FheGen.Compiler.Model;

/// <summary>
/// An immutable array with value equality, so specs built from it compare by content. The incremental
/// generator relies on this to skip work when an edit leaves a model unchanged.
/// </summary>
/// <typeparam name="T">An element type with value equality.</typeparam>
public readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    private readonly T[]? _items;

    /// <summary>Wraps <paramref name="items"/>; the caller must not mutate it afterwards.</summary>
    public EquatableArray(T[] items) => _items = items;

    /// <summary>An empty array.</summary>
    public static EquatableArray<T> Empty => new EquatableArray<T>(Array.Empty<T>());

    /// <summary>Number of elements.</summary>
    public int Count => _items?.Length ?? 0;

    /// <summary>The element at <paramref name="index"/>.</summary>
    public T this[int index] => (_items ?? Array.Empty<T>())[index];

    /// <summary>The backing array, for read-only use inside the compiler without a copy.</summary>
    internal T[] Items => _items ?? Array.Empty<T>();

    /// <summary>A copy of the elements.</summary>
    public T[] ToArray() => _items is null ? Array.Empty<T>() : (T[])_items.Clone();

    /// <inheritdoc/>
    public bool Equals(EquatableArray<T> other)
    {
        var a = _items ?? Array.Empty<T>();
        var b = other._items ?? Array.Empty<T>();
        if (ReferenceEquals(a, b)) return true;
        if (a.Length != b.Length) return false;
        var comparer = EqualityComparer<T>.Default;
        for (int i = 0; i < a.Length; i++)
        {
            if (!comparer.Equals(a[i], b[i])) return false;
        }
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var items = _items ?? Array.Empty<T>();
        int hash = unchecked((int)2166136261);
        var comparer = EqualityComparer<T>.Default;
        foreach (var item in items)
        {
            hash = unchecked((hash ^ (item is null ? 0 : comparer.GetHashCode(item))) * 16777619);
        }
        return hash;
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

    /// <summary>An enumerator that allocates nothing (plans are walked per neuron on hot paths).</summary>
    public Enumerator GetEnumerator() => new Enumerator(_items ?? Array.Empty<T>());

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)(_items ?? Array.Empty<T>())).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<T>)this).GetEnumerator();

    /// <summary>Enumerates an <see cref="EquatableArray{T}"/> without allocating.</summary>
    public struct Enumerator
    {
        private readonly T[] _array;
        private int _index;

        internal Enumerator(T[] array)
        {
            _array = array;
            _index = -1;
        }

        /// <summary>The current element.</summary>
        public readonly T Current => _array[_index];

        /// <summary>Advances to the next element.</summary>
        public bool MoveNext() => ++_index < _array.Length;
    }
}

/// <summary>Factory helpers for <see cref="EquatableArray{T}"/>.</summary>
public static class EquatableArray
{
    /// <summary>Wraps a copy of <paramref name="items"/>.</summary>
    public static EquatableArray<T> From<T>(IEnumerable<T> items) where T : IEquatable<T>
        => new EquatableArray<T>(new List<T>(items).ToArray());

    /// <summary>Wraps the given items.</summary>
    public static EquatableArray<T> Of<T>(params T[] items) where T : IEquatable<T>
        => new EquatableArray<T>(items);
}
