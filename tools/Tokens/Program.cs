// Prints a signed bearer token for local use:
//   Auth__SigningKey=... dotnet run --project tools/Tokens -- <role> [--client <client id>] [--contact <contact id>] [--sub <name>] [--hours <n>]
// Roles: client-user, client-admin, technician, dispatcher, billing, admin. Client roles need --client, and --contact
// (the contact in tickets' directory the token speaks as) to open requests (docs/adr/0025).
using System.Globalization;
using Microsoft.Extensions.Configuration;
using ServiceDesk.Platform;

var options = new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
if (args.Length == 0 || !Roles.All.Contains(args[0]))
    return Fail($"usage: tokens <{string.Join('|', Roles.All)}> [--client <id>] [--contact <id>] [--sub <name>] [--hours <n>]");
if (string.IsNullOrEmpty(options.SigningKey) || options.SigningKey.Length < 32)
    return Fail("Auth__SigningKey (32+ characters) must be set: the key the services validate with.");

var role = args[0];
Guid? client = Option("--client") is { } text ? Guid.TryParse(text, out var id) ? id : null : null;
if (Roles.Client.Contains(role) && client is null) return Fail($"{role} needs --client <client id (a UUID)>.");
Guid? contact = null;
if (Option("--contact") is { } contactText)
{
    if (!Guid.TryParse(contactText, out var contactId)) return Fail("--contact needs a contact id (a UUID).");
    if (!Roles.Client.Contains(role)) return Fail("--contact is for client roles: staff do not speak as a contact.");
    contact = contactId;
}
var hours = double.Parse(Option("--hours") ?? "8", CultureInfo.InvariantCulture);
var now = DateTimeOffset.UtcNow;

Console.WriteLine(Auth.CreateToken(options, Option("--sub") ?? role, role, client, now.AddHours(hours), now, contact));
return 0;

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}
