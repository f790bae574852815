using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace StaffConsole.Auth;

/// <summary>
/// The identity provider's metadata, read through the gateway. Its documents name endpoints under the public issuer
/// (e.g. https://desk.example.com/connect/token, or http://localhost/ in tests), which this server may not reach: every
/// document (discovery, keys) and the token endpoint are fetched at the same path on <see cref="ConsoleOptions.Gateway"/>.
/// The browser's endpoints (authorize, end session) are set per request from the address the browser used (Extensions).
/// </summary>
internal sealed class GatewayMetadata(Uri gateway) : IConfigurationRetriever<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(address, new ThroughGateway(retriever, gateway), cancel);
        configuration.TokenEndpoint = Rebase(gateway, configuration.TokenEndpoint);
        return configuration;
    }

    /// <summary>The same path and query on the gateway.</summary>
    public static string Rebase(Uri gateway, string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) ? new Uri(gateway, uri.PathAndQuery).ToString() : address;

    private sealed class ThroughGateway(IDocumentRetriever inner, Uri gateway) : IDocumentRetriever
    {
        public Task<string> GetDocumentAsync(string address, CancellationToken cancel) => inner.GetDocumentAsync(Rebase(gateway, address), cancel);
    }
}
