namespace FheGen.Search;

/// <summary>How the runs of one <see cref="PErrorSearch"/> step are reduced to a pass/fail decision.</summary>
public enum PErrorSearchStrategy
{
    /// <summary>Every run must stay within the tolerance (the aggregate is the worst run). The safest choice.</summary>
    All = 0,
    /// <summary>The mean of the runs must stay within the tolerance.</summary>
    Mean = 1,
    /// <summary>The median of the runs must stay within the tolerance; robust to a single unlucky run.</summary>
    Median = 2,
}
