using System.Runtime.CompilerServices;
using Intake.Api.Email;

namespace Intake.Tests;

internal static class LegacyCharsets
{
    /// <summary>Tests build and read mail with MimeKit before intake's assembly may be loaded (see MailParser).</summary>
    [ModuleInitializer]
    internal static void Register() => MailParser.RegisterLegacyCharsets();
}
