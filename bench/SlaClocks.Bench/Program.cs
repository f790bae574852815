// The sla service with 100,000 open clocks: timer lateness p50/p99 and memory (issue 4, "Measure"):
//   eval "$(scripts/infra.sh start)"; dotnet run -c Release --project bench/SlaClocks.Bench [-- --clocks 100000 --measured 300 --window 180 --open-minutes 8]
// Runs the real sla (its Release build, as a child process) on a database and a RabbitMQ virtual host of its own,
// opens the clocks by publishing TicketOpened, observes SlaWarning/SlaBreached on the broker, samples sla's memory,
// removes the database, the virtual host and the process at the end, and prints the markdown that docs/BENCHMARKS.md
// ("SLA service with 100,000 open clocks") holds. A quick run to develop with: -- --clocks 2000 --measured 100 --window 60 --open-minutes 1
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Bench;
using SlaClocks.Bench;

var settings = new Settings(
    Clocks: Option("--clocks", 100_000),
    Measured: Option("--measured", 300),
    Window: TimeSpan.FromSeconds(Option("--window", 180)),
    Idle: TimeSpan.FromSeconds(Option("--idle", 30)),
    Drain: TimeSpan.FromSeconds(Option("--drain", 120)),
    Publishers: Option("--publishers", 8),
    Ahead: Option("--ahead", 500),
    // Opening by message runs at 13-30 clocks/s on 2 shared cores; past this budget the remaining waiting clocks are
    // cloned in SQL from the ones sla opened (see SlaDatabase.CloneWaitingAsync and docs/BENCHMARKS.md).
    OpenBudget: TimeSpan.FromMinutes(Option("--open-minutes", 8)));
// Everything stops by itself: opening stops when no clock opened for 2 minutes, and the whole run at this deadline.
using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(Option("--max-minutes", 45)));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    deadline.Cancel();
};

var infrastructure = Infrastructure.FromEnvironment();
var name = $"sla_clocks_bench_{Guid.NewGuid():N}"[..27];
var plan = new Plan(settings.Clocks, settings.Measured, settings.Window, DateTimeOffset.UtcNow);
var results = new Results { Settings = settings, Plan = plan };
var logPath = Path.Combine(Path.GetTempPath(), $"{name}.log");
await infrastructure.CreateVirtualHostAsync(name);
try
{
    var rabbit = infrastructure.Rabbit;
    var environment = new Dictionary<string, string>(plan.Environment())
    {
        ["ConnectionStrings__Database"] = infrastructure.Database(name),
        ["RabbitMq__Host"] = rabbit.HostName,
        ["RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
        ["RabbitMq__VirtualHost"] = name,
        ["RabbitMq__Username"] = rabbit.UserName,
        ["RabbitMq__Password"] = rabbit.Password,
        // A key made for this run: nothing calls sla's API, but it does not start without one.
        ["Auth__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)),
    };
    await using var sla = await SlaProcess.StartAsync(environment, logPath, deadline.Token);
    results.ServerGc = sla.ServerGc;
    results.PostgresVersion = await infrastructure.PostgresVersionAsync(name);
    Console.Error.WriteLine($"sla (pid {sla.Pid}) ready at {sla.Url}; its log: {logPath}");

    await using var observer = await Observer.StartAsync(rabbit);
    results.RabbitMqVersion = observer.ServerVersion;

    // A MassTransit bus of the bench's own on the same virtual host, publishing as the tickets service does.
    var services = new ServiceCollection().AddLogging().AddMassTransit(bus =>
    {
        bus.DisableUsageTelemetry();
        bus.UsingRabbitMq((_, cfg) => cfg.Host(rabbit.HostName, (ushort)rabbit.Port, name, host =>
        {
            host.Username(rabbit.UserName);
            host.Password(rabbit.Password);
        }));
    });
    await using var provider = services.BuildServiceProvider();
    var busControl = provider.GetRequiredService<IBusControl>();
    await busControl.StartAsync(deadline.Token);
    try
    {
        var bench = new Bench(settings, plan, busControl, sla, new SlaDatabase(infrastructure.Database(name)), observer, results);
        await bench.RunAsync(deadline.Token);
    }
    finally
    {
        await busControl.StopAsync(CancellationToken.None);
    }
    Console.WriteLine(Report.Markdown(results));
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
