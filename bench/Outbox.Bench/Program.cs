// The transactional outbox against raw publishing, and the durable scheduler's lateness (issue 3, "Measure"):
//   eval "$(scripts/infra.sh start)"; dotnet run -c Release --project bench/Outbox.Bench [-- --messages 2000 --writers 8 --timers 500 --timer-lead 20 --with-consumer]
// Uses a database and a RabbitMQ virtual host of its own, removes both at the end, and prints the markdown that
// docs/BENCHMARKS.md ("Transactional outbox") holds.
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outbox.Bench;
using ServiceDesk.Platform;

// Sized so that the whole run takes about a minute and a half on 2 busy cores (see docs/BENCHMARKS.md).
var messages = Option("--messages", 2000);
var writers = Option("--writers", 8);
var timers = Option("--timers", 500);
// Long enough for the scheduler to have stored every timer before they fall due, so lateness is the firing's alone.
var timerLead = TimeSpan.FromSeconds(Option("--timer-lead", 20));
// The MassTransit consumer (behind the consumer inbox) is off by default: on 2 shared cores its inbox transactions
// are the slowest stage and compete with what is measured. With it, "to MassTransit consumer" is filled in too.
var withConsumer = args.Contains("--with-consumer");

var infrastructure = Infrastructure.FromEnvironment();
var name = $"outbox_bench_{Guid.NewGuid():N}"[..25];
await infrastructure.CreateVirtualHostAsync(name);
try
{
    // A fresh database with the schema made here: the host's MigrateAsync then has nothing to do.
    await using (var db = new BenchDbContext(new DbContextOptionsBuilder<BenchDbContext>().UseNpgsql(infrastructure.Database(name)).Options))
    {
        await db.Database.EnsureCreatedAsync();
        await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript());
    }

    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "Bench.Api", Args = [] });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Database"] = infrastructure.Database(name),
        ["RabbitMq:Host"] = infrastructure.Rabbit.HostName,
        ["RabbitMq:Port"] = infrastructure.Rabbit.Port.ToString(CultureInfo.InvariantCulture),
        ["RabbitMq:VirtualHost"] = name,
        ["RabbitMq:Username"] = infrastructure.Rabbit.UserName,
        ["RabbitMq:Password"] = infrastructure.Rabbit.Password,
    });
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Migrations", LogLevel.Error); // "no migrations": expected
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<Recorder>();
    builder.AddServiceDatabase<BenchDbContext>();
    builder.AddServiceBus<BenchDbContext>(bus =>
    {
        if (withConsumer) bus.AddConsumer<ProbeConsumer>();
        bus.AddDurableScheduler<BenchDbContext>("bench");
    });

    using var host = builder.Build();
    await host.StartAsync();
    try
    {
        var bench = new Bench(host.Services, writers, withConsumer);
        await using var broker = await BrokerProbe.StartAsync(infrastructure.Rabbit, bench.ProbeExchange(), host.Services.GetRequiredService<Recorder>());
        var postgresVersion = await infrastructure.PostgresVersionAsync(name);

        // Warm-up (JIT, connection pools, send endpoints), not reported.
        await bench.OutboxRun(1, Math.Min(500, messages));
        await bench.RawRun(2, Math.Min(500, messages));
        // Twice each, alternating, so that neither mode always runs on a warmer or a busier machine.
        var outbox = new List<RunResult> { await bench.OutboxRun(3, messages) };
        var raw = new List<RunResult> { await bench.RawRun(4, messages) };
        outbox.Add(await bench.OutboxRun(5, messages));
        raw.Add(await bench.RawRun(6, messages));
        var scheduler = timers > 0 ? await bench.SchedulerRun(7, timers, timerLead) : null;

        Console.WriteLine(Report.Markdown(messages, writers, outbox, raw, scheduler, broker.ServerVersion, postgresVersion, withConsumer));
    }
    finally
    {
        await host.StopAsync();
    }
}
finally
{
    await infrastructure.DropDatabaseAsync(name);
    await infrastructure.DeleteVirtualHostAsync(name);
}
return 0;

int Option(string option, int fallback)
{
    var index = Array.IndexOf(args, option);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
