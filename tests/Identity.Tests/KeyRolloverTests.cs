using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using ServiceDesk.Testing;

namespace Identity.Tests;

/// <summary>
/// Key rollover (docs/adr/0026): the first of Identity:SigningKeys signs and every listed key is published, so a token
/// signed before the rollover is taken by the services until its key is dropped from the list.
/// </summary>
public sealed class KeyRolloverTests : IAsyncLifetime
{
    private static readonly string EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-identity-keys");
    }

    public Task DisposeAsync() => _infrastructure.DeleteVirtualHostAsync(_virtualHost);

    /// <summary>An identity service signing with the first key and publishing all of them.</summary>
    private IdentityFactory Identity(params RSA[] keys)
    {
        var settings = new Dictionary<string, string>
        {
            ["Identity:Issuer"] = IdentityFixture.Issuer,
            ["Identity:AllowHttp"] = "true",
            ["Identity:EncryptionKeys:0"] = EncryptionKey,
            [$"Identity:Applications:{IdentityFixture.Machine}:Secret"] = IdentityFixture.MachineSecret,
            [$"Identity:Applications:{IdentityFixture.Machine}:Role"] = "dispatcher",
        };
        for (var i = 0; i < keys.Length; i++) settings[$"Identity:SigningKeys:{i}"] = keys[i].ExportRSAPrivateKeyPem();
        return new IdentityFactory(_infrastructure, _virtualHost, TimeProvider.System, settings);
    }

    private static async Task<string> MachineTokenAsync(IdentityFactory identity)
    {
        using var client = identity.CreateClient();
        var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = IdentityFixture.Machine, ["client_secret"] = IdentityFixture.MachineSecret,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>What a service that trusts <paramref name="identity"/> answers to the token on a dispatcher's route.</summary>
    private async Task<HttpStatusCode> TriageAsync(IdentityFactory identity, string token)
    {
        await using var intake = new TrustingIntake(_infrastructure, _virtualHost, identity);
        using var client = intake.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.GetAsync(new Uri("/api/triage", UriKind.Relative))).StatusCode;
    }

    [Fact]
    public async Task A_token_signed_before_a_rollover_is_taken_until_the_old_key_is_dropped()
    {
        using var oldKey = RSA.Create(2048);
        using var newKey = RSA.Create(2048);
        string before;
        await using (var unrolled = Identity(oldKey))
            before = await MachineTokenAsync(unrolled);

        // The new key first, the old one still listed: new tokens carry the new key's id, old ones still pass.
        await using var rolled = Identity(newKey, oldKey);
        var after = await MachineTokenAsync(rolled);
        Assert.NotEqual(new JsonWebToken(before).Kid, new JsonWebToken(after).Kid);
        Assert.Equal(HttpStatusCode.OK, await TriageAsync(rolled, before));
        Assert.Equal(HttpStatusCode.OK, await TriageAsync(rolled, after));

        // The old key dropped (its tokens have expired by then): a token it signed is refused, the new ones pass.
        await using var dropped = Identity(newKey);
        Assert.Equal(HttpStatusCode.Unauthorized, await TriageAsync(dropped, before));
        Assert.Equal(HttpStatusCode.OK, await TriageAsync(dropped, after));
    }
}
