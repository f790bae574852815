// Checks that every accepted request has exactly one ticket, one SLA clock and one billing record, and that billing's
// invoices and entries agree (every line an entry, every invoiced entry on its invoice, no gap in the numbers, every entry
// a billing state, every invoiced after-hours line an approval where one was needed, no invoiced entry edited unnoticed).
//   ConnectionStrings__Intake=... ConnectionStrings__Tickets=... ConnectionStrings__Sla=... ConnectionStrings__Billing=... \
//     dotnet run --project tools/Reconcile [-- --settle <seconds, default 60>]
// Prints a JSON report; exits 0 when consistent, 1 when something is missing or doubled, 2 on bad usage.
using System.Globalization;
using System.Text.Json;
using Reconcile;

string? Setting(string name) => Environment.GetEnvironmentVariable($"ConnectionStrings__{name}");
if (Setting("Intake") is not { } intake || Setting("Tickets") is not { } tickets || Setting("Sla") is not { } sla || Setting("Billing") is not { } billing)
{
    Console.Error.WriteLine("Set ConnectionStrings__Intake, ConnectionStrings__Tickets, ConnectionStrings__Sla and ConnectionStrings__Billing.");
    return 2;
}
var settleIndex = Array.IndexOf(args, "--settle");
var settle = settleIndex >= 0 && settleIndex + 1 < args.Length ? double.Parse(args[settleIndex + 1], CultureInfo.InvariantCulture) : 60;

var report = await Reconciliation.RunAsync(new Databases(intake, tickets, sla, billing), DateTimeOffset.UtcNow.AddSeconds(-settle));
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
return report.Consistent ? 0 : 1;
