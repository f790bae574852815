using Load.Bench;
using RabbitMQ.Client;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>
/// The end-to-end benchmark (bench/Load.Bench) for seconds against the test system: every measure it reports is taken
/// (a schema change that breaks one of its queries fails here, not in the next person's benchmark run). It asserts what
/// was measured, never how fast: timing goals live in docs/BENCHMARKS.md.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class LoadBenchSmokeTests(RunningSystem system)
{
    [Fact]
    public async Task Load_bench_smoke_run_follows_every_ticket_end_to_end_and_counts_what_each_service_spent()
    {
        var rabbit = system.Infrastructure.RabbitMq;
        var data = Environment.GetEnvironmentVariable("SERVICEDESK_DATA"); // scripts/test.sh's servers; none with Testcontainers
        var processes = RunningSystem.Services.Append("gateway").ToDictionary(app => app, app => system.App(app).ProcessId);
        var target = new SystemUnderTest
        {
            Gateway = system.App("gateway").Url,
            Token = TestAuth.Token(Roles.ClientUser, RunningSystem.DemoClient, "dana", RunningSystem.DemoContact),
            ContactEmail = RunningSystem.DemoContactEmail,
            Databases = RunningSystem.Services.ToDictionary(s => s, system.DatabaseOf),
            Processes = processes,
            Postgres = system.Infrastructure.Postgres,
            PostmasterPid = data is null ? null : ProcessIds.FromPidFile(Path.Combine(data, "pg", "data", "postmaster.pid")),
            Rabbit = new ConnectionFactory
            {
                HostName = rabbit.Host, Port = rabbit.Port, UserName = rabbit.Username, Password = rabbit.Password, VirtualHost = system.VirtualHost,
            },
        };

        var result = await new LoadBench(target, LoadPlan.Smoke, _ => { }).RunAsync();

        Assert.True(result.BrokerConfirmedPerSecond > 0);
        Assert.True(result.DatabaseCommitsPerSecond > 0);
        Assert.Equal(2, result.Phases.Count); // one concurrency, one offered rate
        foreach (var phase in result.Phases)
        {
            // The gateway's tenant budget is shared with the other tests of this system: a 429 is allowed, a loss is not.
            Assert.True(phase.Accept.Accepted > 0, $"{phase.Accept.Load}: nothing accepted");
            Assert.Equal(0, phase.Accept.Failed);
            Assert.True(phase.Drained, $"{phase.Accept.Load}: {phase.Done} of {phase.Tickets.Count} tickets done end to end\n{system.Output}");
            Assert.All(phase.Tickets, t => Assert.True(t.ClockStarted >= t.Accepted && t.AcknowledgementMailed >= t.Accepted));
        }
        var cost = result.Costed.Cost;
        foreach (var service in RunningSystem.Services)
        {
            // billing writes a smoke run's few tickets in one batch (docs/adr/0066), which may commit, or reach
            // pg_stat_database, after the seconds-long phase: counted, but possibly none in it.
            Assert.True(service == "billing" ? cost.Transactions.ContainsKey(service) : cost.Transactions[service] > 0,
                $"no transactions counted for {service}");
            Assert.True(cost.CpuMs.ContainsKey(service));
        }
        // Every service but intake (it publishes from HTTP requests) and billing (its one message per ticket comes in
        // batches, docs/adr/0066) consumes through its inbox.
        Assert.All(RunningSystem.Services.Except(["intake", "billing"]), service => Assert.True(cost.Deliveries[service] > 0, $"no deliveries counted for {service}"));
        var report = Report.Markdown(result);
        Assert.Contains("| **total** |", report, StringComparison.Ordinal);
        Assert.Contains("| 4 connections |", report, StringComparison.Ordinal);
    }
}
