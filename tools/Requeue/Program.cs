// Moves failed messages back to the queue they failed on, after the cause is fixed:
//   RabbitMq__Host=... RabbitMq__Port=... RabbitMq__Username=... RabbitMq__Password=... [RabbitMq__VirtualHost=/] \
//     dotnet run --project tools/Requeue -- <queue> [--max <n>]
// e.g. `-- notify-sla-clock-started` moves notify-sla-clock-started_error back. Each message keeps its id, body and
// headers (so consumers' de-duplication still applies) minus MassTransit's fault headers. Exits 0 and prints the
// number moved; 2 on bad usage.
using System.Globalization;
using RabbitMQ.Client;

if (args.Length == 0 || args[0].StartsWith('-') || args[0].EndsWith("_error", StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: requeue <queue (without _error)> [--max <n>]");
    return 2;
}
var queue = args[0];
var maxIndex = Array.IndexOf(args, "--max");
var max = maxIndex >= 0 && maxIndex + 1 < args.Length ? int.Parse(args[maxIndex + 1], CultureInfo.InvariantCulture) : int.MaxValue;
string Setting(string key, string fallback) => Environment.GetEnvironmentVariable($"RabbitMq__{key}") ?? fallback;

await using var connection = await new ConnectionFactory
{
    HostName = Setting("Host", "127.0.0.1"),
    Port = int.Parse(Setting("Port", "5672"), CultureInfo.InvariantCulture),
    UserName = Setting("Username", "guest"),
    Password = Setting("Password", "guest"),
    VirtualHost = Setting("VirtualHost", "/"),
}.CreateConnectionAsync();
await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

var moved = 0;
while (moved < max && await channel.BasicGetAsync($"{queue}_error", autoAck: false) is { } failed)
{
    var properties = new BasicProperties(failed.BasicProperties)
    {
        Headers = failed.BasicProperties.Headers?
            .Where(header => !header.Key.StartsWith("MT-Fault-", StringComparison.Ordinal) && header.Key != "MT-Reason")
            .ToDictionary(header => header.Key, header => header.Value),
    };
    // MassTransit binds each queue to an exchange of the same name. Confirmed before the error copy is removed,
    // so a crash here duplicates at worst (consumers are idempotent) and never loses.
    await channel.BasicPublishAsync(queue, "", mandatory: true, properties, failed.Body);
    await channel.BasicAckAsync(failed.DeliveryTag, multiple: false);
    moved++;
}
Console.WriteLine($"{moved} message(s) moved from {queue}_error to {queue}.");
return 0;
