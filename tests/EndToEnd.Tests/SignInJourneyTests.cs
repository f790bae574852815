using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>
/// A contact signs in through the gateway as the portal will (authorization code + PKCE at the identity service), and
/// the request they open with that token is theirs: their ticket, their acknowledgement, nobody else's address.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed partial class SignInJourneyTests(RunningSystem system)
{
    [Fact]
    public async Task Contact_signs_in_through_the_gateway_and_their_request_is_acknowledged_to_them()
    {
        var gateway = system.App("gateway").Url;
        var redirect = new Uri(gateway, "/portal/").ToString();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = gateway };
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        // 1. The app sends the browser to the identity service, which asks who it is, on the gateway's own address.
        var authorize = await browser.GetAsync($"/connect/authorize?client_id=portal&response_type=code&redirect_uri={Uri.EscapeDataString(redirect)}" +
            $"&scope={Uri.EscapeDataString("openid profile offline_access")}&code_challenge={challenge}&code_challenge_method=S256&state=e2e");
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var login = authorize.Headers.Location!;
        Assert.Equal((gateway.Host, gateway.Port, "/account/login"), (login.Host, login.Port, login.AbsolutePath));

        // 2. The sign-in page: a form, labelled, under a policy that lets it post only to this site.
        var page = await browser.GetAsync(login.PathAndQuery);
        Assert.Contains("form-action 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("""<label for="password">Password</label>""", html, StringComparison.Ordinal);
        var fields = HiddenField().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["email"] = RunningSystem.DemoContactEmail;
        fields["password"] = RunningSystem.DemoPassword;
        var signedIn = await browser.PostAsync("/account/login", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        // 3. Back to the app with a code, redeemed with the PKCE verifier.
        var back = await browser.GetAsync(signedIn.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.StartsWith(redirect, back.Headers.Location!.ToString(), StringComparison.Ordinal);
        var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(back.Headers.Location.Query)["code"].ToString();
        var token = await browser.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = redirect, ["client_id"] = "portal", ["code_verifier"] = verifier,
        }));
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        var accessToken = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

        // 4. With it, Dana opens a request without naming any address, and another address is refused.
        using var dana = system.Client(accessToken);
        var subject = $"Signed in {Guid.NewGuid():N}";
        var refused = await dana.PostAsJsonAsync("/api/requests", new { contactEmail = "ceo@victim-corp.example", subject = subject + " spoof", description = "x" });
        var accepted = await dana.PostAsJsonAsync("/api/requests", new { subject, description = "The label printer is offline." });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var mail = await Eventually.GetAsync(() => Task.FromResult(
            system.Mail.Messages().SingleOrDefault(m => (m.Subject ?? "").Contains(subject, StringComparison.Ordinal))), "the acknowledgement",
            explain: () => system.Output);
        Assert.Equal([RunningSystem.DemoContactEmail], mail.To.Mailboxes.Select(to => to.Address));
        Assert.DoesNotContain(system.Mail.Messages(), m => m.To.Mailboxes.Any(to => to.Address == "ceo@victim-corp.example"));
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]+)" value="(?<value>[^"]*)">""")]
    private static partial Regex HiddenField();
}
