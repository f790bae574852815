// The whole system end to end against the raw broker and database, in one run (issue 13). Run it through
//   bench/load.sh [--smoke]
// which starts the system with scripts/run.sh (rate limits lifted), mints a client user's token, runs this, and
// stops what it started. It prints the markdown that docs/BENCHMARKS.md ("End to end") holds.
using System.Globalization;
using Load.Bench;
using RabbitMQ.Client;

string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
    ? value
    : throw new InvalidOperationException($"{name} is not set: run this through bench/load.sh.");

var postgres = Required("SERVICEDESK_PG");
var data = Required("SERVICEDESK_DATA");
var apps = Path.Combine(data, "run", "apps");
var processes = new Dictionary<string, int>();
foreach (var app in SystemUnderTest.Services.Append("gateway"))
    processes[app] = ProcessIds.FromPidFile(Path.Combine(apps, $"{app}.pid"))
                     ?? throw new InvalidOperationException($"{app} is not running (no {apps}/{app}.pid): start the system with bench/load.sh.");
// The apps that do not complete a ticket still spend per ticket (the console's live feed consumes its events) or idle.
foreach (var app in SystemUnderTest.Companions)
    if (ProcessIds.FromPidFile(Path.Combine(apps, $"{app}.pid")) is { } pid) processes[app] = pid;
if (ProcessIds.Beam(Path.Combine(data, "run", "rabbitmq.pid")) is { } beam) processes["rabbitmq"] = beam;

var system = new SystemUnderTest
{
    Gateway = new Uri(Environment.GetEnvironmentVariable("LOAD_GATEWAY") ?? "http://127.0.0.1:5080"),
    Token = Required("LOAD_TOKEN"),
    ContactEmail = Environment.GetEnvironmentVariable("LOAD_CONTACT") ?? "dana@acme-dental.example",
    // scripts/run.sh's names: bench/load.sh gives the benchmark a set of its own.
    Databases = SystemUnderTest.Services.ToDictionary(s => s,
        s => $"{postgres};Database={Environment.GetEnvironmentVariable("SERVICEDESK_DB_PREFIX") ?? "servicedesk_"}{s}"),
    Processes = processes,
    Postgres = postgres,
    PostmasterPid = ProcessIds.FromPidFile(Path.Combine(data, "pg", "data", "postmaster.pid")),
    Rabbit = new ConnectionFactory
    {
        HostName = Required("SERVICEDESK_RABBITMQ_HOST"),
        Port = int.Parse(Required("SERVICEDESK_RABBITMQ_PORT"), CultureInfo.InvariantCulture),
        UserName = Required("SERVICEDESK_RABBITMQ_USER"),
        Password = Required("SERVICEDESK_RABBITMQ_PASS"),
    },
};

var plan = args.Contains("--smoke") ? LoadPlan.Smoke : LoadPlan.Full;
var result = await new LoadBench(system, plan, step => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {step}")).RunAsync();
Console.WriteLine(Report.Markdown(result));
