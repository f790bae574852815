using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Intake.Api.Phone;

/// <summary>
/// Checks a generic phone provider's webhook with the signed channels' HMAC-SHA256 scheme (<see cref="WebhookVerifier"/>:
/// X-ServiceDesk-Timestamp within 5 minutes, X-ServiceDesk-Delivery, X-ServiceDesk-Signature), keyed by
/// "Phone:Providers:{provider}:Secret".
/// </summary>
public sealed class PhoneProviderVerifier(IOptions<PhoneOptions> options, TimeProvider clock)
{
    public async Task<(WebhookDelivery? Delivery, IResult? Problem)> VerifyAsync(string provider, HttpRequest request, CancellationToken cancellationToken)
    {
        // A request without a signature gets 401 whether or not the provider exists, like the Twilio routes.
        if (request.Headers[WebhookVerifier.SignatureHeader].ToString().Length == 0)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: $"{WebhookVerifier.SignatureHeader} is required."));
        if (!options.Value.Providers.TryGetValue(provider, out var settings) || settings.Secret is not { Length: > 0 } secret)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"Unknown phone provider '{provider}'."));

        // The provider's secret, under the verifier's own name for it: one secret, one provider, nothing else opened.
        var channels = new ChannelsOptions { [provider] = new ChannelSettings { Secret = secret } };
        return await new WebhookVerifier(Options.Create(channels), clock).VerifyAsync(provider, request, cancellationToken);
    }
}
