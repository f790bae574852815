using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Identity.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests;

/// <summary>
/// Staff's optional external OpenID Connect provider is configuration only (Identity:External): present, it adds the
/// scheme the sign-in page links to; malformed, start-up fails naming the key. The whole round trip through a provider
/// is in <see cref="ExternalSignInTests"/>.
/// </summary>
public sealed class ExternalProviderTests
{
    private static Dictionary<string, string?> Settings(Dictionary<string, string?> external)
    {
        using var rsa = RSA.Create(2048);
        var settings = new Dictionary<string, string?>
        {
            ["Identity:Issuer"] = "http://localhost/",
            ["Identity:AllowHttp"] = "true",
            ["Identity:SigningKeys:0"] = rsa.ExportRSAPrivateKeyPem(),
            ["Identity:EncryptionKeys:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["ConnectionStrings:Database"] = "Host=127.0.0.1;Database=unused",
        };
        foreach (var (key, value) in external) settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task External_section_adds_the_staff_sign_in_scheme_and_none_without_it()
    {
        async Task<AuthenticationScheme?> SchemeAsync(Dictionary<string, string?> settings)
        {
            var builder = WebApplication.CreateBuilder();
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddIdentityProvider();
            await using var app = builder.Build();
            return await app.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(ExternalProviderOptions.Scheme);
        }

        var scheme = await SchemeAsync(Settings(new()
        {
            ["Identity:External:Authority"] = "https://login.contoso.example/",
            ["Identity:External:ClientId"] = "servicedesk",
            ["Identity:External:DisplayName"] = "Contoso",
        }));
        Assert.Equal("Contoso", scheme?.DisplayName);
        Assert.Null(await SchemeAsync(Settings([])));
    }

    [Fact]
    public void A_malformed_external_section_names_its_keys()
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection(Settings(new() { ["Identity:External:Authority"] = "http://login.contoso.example/" }))
            .Build().GetSection(IdentityProviderOptions.Section).Get<IdentityProviderOptions>()!;

        var problems = options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        Assert.Contains("Identity:External:Authority must be https (Identity:AllowHttp allows http only on 127.0.0.1 or localhost).", problems);
        Assert.Contains("Identity:External:ClientId is required.", problems);
    }
}
