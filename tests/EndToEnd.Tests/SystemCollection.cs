using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>Test classes that share one running system (it takes seconds to start).</summary>
[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<RunningSystem>
{
    public const string Name = "running system";
}
