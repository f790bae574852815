using ServiceDesk.Testing;

namespace Portal.Tests;

/// <summary>The portal tests share one running system and one browser (each takes seconds to start).</summary>
[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<RunningSystem>, ICollectionFixture<Chromium>
{
    public const string Name = "portal";
}
