namespace Notify.Contracts;

/// <summary>
/// The Message-ID notify gives the mail of a public reply: "&lt;reply id&gt;.reply@&lt;sender's domain&gt;". Part of the
/// contract so that tickets can thread the client's answer by the reply's id alone, even when the answer arrives
/// before tickets has consumed <see cref="ReplyMailed"/> (a fast mail client, a busy queue).
/// </summary>
public static class ReplyMessageIds
{
    private const string Marker = ".reply@";

    public static string For(Guid replyId, string domain) => $"{replyId:N}{Marker}{domain}";

    /// <summary>The reply id in a bare Message-ID of this form; false for any other Message-ID.</summary>
    public static bool TryParse(string messageId, out Guid replyId)
    {
        replyId = default;
        var marker = messageId.IndexOf(Marker, StringComparison.Ordinal);
        return marker == 32 && Guid.TryParseExact(messageId.AsSpan(0, marker), "N", out replyId);
    }
}
