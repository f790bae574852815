using Portal.Tests;
using ServiceDesk.Testing;

namespace Console.Tests;

/// <summary>The whole system with the staff console behind the gateway.</summary>
public sealed class ConsoleSystem : RunningSystem
{
    protected override bool WithConsole => true;
}

/// <summary>The console tests share one running system and one browser (each takes seconds to start).</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleSystem>, ICollectionFixture<Chromium>
{
    public const string Name = "console";
}
