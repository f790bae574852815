using RabbitMQ.Client;

namespace Load.Bench;

/// <summary>
/// The running system the benchmark drives, and where to look to count what it spends: the gateway and a client
/// user's token; each service's database (transactions, inbox deliveries, completion signals); the process id of each
/// app and of the broker (CPU time from /proc); the PostgreSQL server (its postmaster and every backend under it).
/// </summary>
public sealed record SystemUnderTest
{
    /// <summary>The services whose work completes a ticket, by the names their databases and processes carry.</summary>
    public static readonly string[] Services = ["intake", "tickets", "sla", "billing", "notify"];

    /// <summary>The other apps scripts/run.sh starts, whose CPU counts too: the console follows every ticket's events.</summary>
    public static readonly string[] Companions = ["console", "identity", "sms"];

    public required Uri Gateway { get; init; }

    /// <summary>A client user's bearer token; every request is made as this contact.</summary>
    public required string Token { get; init; }

    public required string ContactEmail { get; init; }

    /// <summary>Connection string per service name (<see cref="Services"/>).</summary>
    public required IReadOnlyDictionary<string, string> Databases { get; init; }

    /// <summary>Process id per app ("gateway", the services, "rabbitmq"); CPU time is read for these.</summary>
    public required IReadOnlyDictionary<string, int> Processes { get; init; }

    /// <summary>A connection string without a database: the raw commit rate runs in a database of its own.</summary>
    public required string Postgres { get; init; }

    /// <summary>The postmaster's pid: PostgreSQL's CPU is its own plus every backend's under it.</summary>
    public int? PostmasterPid { get; init; }

    /// <summary>The broker, for the raw publish rate (in a queue of its own in this virtual host, removed after).</summary>
    public required ConnectionFactory Rabbit { get; init; }
}
