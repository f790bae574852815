using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using StaffConsole.Auth;

namespace StaffConsole.Api;

/// <summary>
/// The services, through the gateway, as the signed-in person: every call carries their own access token, so the services
/// decide what they may see and do (the console has no access of its own). Refusals come back as <see cref="Problem"/>s.
/// </summary>
public sealed class DeskApi(IHttpClientFactory factory, UserSession session)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<Result<QueuePage>> QueueAsync(string view, string? status, Guid? teamId, Guid? clientId, CancellationToken ct = default)
    {
        var query = new List<string> { $"view={view}", "limit=100" };
        if (status is { Length: > 0 }) query.Add($"status={Uri.EscapeDataString(status)}");
        if (teamId is { } team) query.Add($"teamId={team}");
        if (clientId is { } client) query.Add($"clientId={client}");
        return GetAsync<QueuePage>($"api/tickets?{string.Join('&', query)}", ct);
    }

    public Task<Result<TriageItem[]>> TriageAsync(CancellationToken ct = default) => GetAsync<TriageItem[]>("api/triage", ct);

    public Task<Result<TeamView[]>> TeamsAsync(CancellationToken ct = default) => GetAsync<TeamView[]>("api/teams", ct);

    public Task<Result<ClientSummary[]>> ClientsAsync(CancellationToken ct = default) => GetAsync<ClientSummary[]>("api/clients", ct);

    public Task<Result<ClientContacts[]>> ClientContactsAsync(CancellationToken ct = default) => GetAsync<ClientContacts[]>("api/clients", ct);

    public Task<Result<TicketView>> TicketAsync(Guid id, CancellationToken ct = default) => GetAsync<TicketView>($"api/tickets/{id}", ct);

    public Task<Result<MessageView[]>> ConversationAsync(Guid id, CancellationToken ct = default) =>
        GetAsync<MessageView[]>($"api/tickets/{id}/conversation", ct);

    /// <summary>The files intake keeps with a request: a ticket's first message (the ticket's id) or a client's later one (the message's id).</summary>
    public Task<Result<AttachmentView[]>> AttachmentsAsync(Guid requestId, CancellationToken ct = default) =>
        GetAsync<AttachmentView[]>($"api/requests/{requestId}/attachments", ct);

    public Task<Result<TimeEntryView[]>> TimeEntriesAsync(Guid id, CancellationToken ct = default) =>
        GetAsync<TimeEntryView[]>($"api/tickets/{id}/time-entries", ct);

    public Task<Result<AuditView[]>> AuditAsync(Guid id, CancellationToken ct = default) => GetAsync<AuditView[]>($"api/tickets/{id}/audit", ct);

    public Task<Result<SlaClockView>> SlaAsync(Guid id, CancellationToken ct = default) => GetAsync<SlaClockView>($"api/sla/tickets/{id}", ct);

    public Task<Result<JsonElement>> ReplyAsync(Guid id, string body, IReadOnlyList<UploadFile> files, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/replies", new { body, attachments = Attachments(files) }, ct);

    public Task<Result<JsonElement>> NoteAsync(Guid id, string body, IReadOnlyList<UploadFile> files, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/notes", new { body, attachments = Attachments(files) }, ct);

    private static object[]? Attachments(IReadOnlyList<UploadFile> files) =>
        files.Count == 0 ? null : [.. files.Select(f => new { fileName = f.FileName, contentType = f.ContentType, content = f.Content })];

    public Task<Result<JsonElement>> ChangeStatusAsync(Guid id, string to, string? reason, uint version, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/status", new { to, reason = Blank(reason), version }, ct);

    public Task<Result<JsonElement>> ChangePriorityAsync(Guid id, string priority, string reason, uint version, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/priority", new { priority, reason, version }, ct);

    public Task<Result<JsonElement>> AssignAsync(Guid id, Guid? teamId, string? assignee, string? reason, uint version, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/assignment", new { teamId, assignee = Blank(assignee), reason = Blank(reason), version }, ct);

    /// <summary>Closes this ticket as a duplicate of the one with that number (tickets looks the number up).</summary>
    public Task<Result<JsonElement>> MergeAsync(Guid id, long? intoNumber, string? reason, uint version, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/merge", new { intoNumber, reason = Blank(reason), version }, ct);

    /// <summary>Makes a triage item a request of the client (intake answers with the new request's id, which the ticket takes).</summary>
    public Task<Result<JsonElement>> AssignTriageAsync(Guid id, Guid? clientId, string? contactEmail, string? contactName, CancellationToken ct = default) =>
        SendAsync($"api/triage/{id}/assign", new { clientId, contactEmail = Blank(contactEmail), contactName = Blank(contactName) }, ct);

    public Task<Result<JsonElement>> DiscardTriageAsync(Guid id, string? reason, CancellationToken ct = default) =>
        SendAsync($"api/triage/{id}/discard", new { reason = Blank(reason) }, ct);

    public Task<Result<JsonElement>> LogTimeAsync(Guid id, DateTimeOffset startedAt, int minutes, string workType, string? note, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/time-entries", new { startedAt, minutes, workType, note = Blank(note) }, ct);

    public Task<Result<TicketTimeStates>> BillingStatesAsync(Guid id, CancellationToken ct = default) =>
        GetAsync<TicketTimeStates>($"api/billing/tickets/{id}/time-states", ct);

    public Task<Result<UnbilledAgeing>> UnbilledAgeingAsync(CancellationToken ct = default) =>
        GetAsync<UnbilledAgeing>("api/billing/reports/unbilled-ageing", ct);

    public Task<Result<OnCallNext>> OnCallAsync(Guid teamId, CancellationToken ct = default) => GetAsync<OnCallNext>($"api/teams/{teamId}/on-call/next", ct);

    public Task<Result<PagingView>> PagingAsync(Guid id, CancellationToken ct = default) => GetAsync<PagingView>($"api/tickets/{id}/paging", ct);

    public Task<Result<CallDownView>> CallDownAsync(Guid id, CancellationToken ct = default) => GetAsync<CallDownView>($"api/tickets/{id}/call-down", ct);

    public Task<Result<ApprovalView[]>> ApprovalsAsync(Guid id, CancellationToken ct = default) => GetAsync<ApprovalView[]>($"api/tickets/{id}/approvals", ct);

    public Task<Result<JsonElement>> RecordCallAsync(Guid id, Guid contactId, string number, string outcome, string? note, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/call-down/attempts", new { contactId, number, outcome, note = Blank(note) }, ct);

    public Task<Result<JsonElement>> RecordApprovalAsync(Guid id, Guid approverContactId, string method, decimal? capHours, bool onSiteRequired,
        bool sendConfirmation, CancellationToken ct = default) =>
        SendAsync($"api/tickets/{id}/approvals", new { approverContactId, method, capHours, onSiteRequired, sendConfirmation }, ct);

    /// <summary>
    /// Reads staff's names once per circuit, so that screens show "Tess Ng" where the services record a subject. Without
    /// the directory (identity unreachable) the screens fall back to the subjects themselves.
    /// </summary>
    public async Task LoadPeopleAsync(CancellationToken ct = default)
    {
        if (session.People.Count > 0) return;
        if ((await GetAsync<StaffMember[]>("api/identity/staff", ct)).Value is { } staff)
            session.People = staff.ToDictionary(p => p.Id.ToString(), p => p.Name);
    }

    /// <summary>GETs any JSON document (the dispatcher board's views, which it shows as they come).</summary>
    public Task<Result<T>> GetAsync<T>(string path, CancellationToken ct = default) =>
        CallAsync<T>(new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)), ct);

    public Task<Result<JsonElement>> SendAsync(string path, object body, CancellationToken ct = default) =>
        CallAsync<JsonElement>(new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body, options: Json) }, ct);

    /// <summary>Any method with an optional JSON body (the admin screens' PUTs and DELETEs).</summary>
    public Task<Result<JsonElement>> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct = default) =>
        CallAsync<JsonElement>(new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
            { Content = body is null ? null : JsonContent.Create(body, options: Json) }, ct);

    private async Task<Result<T>> CallAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            try
            {
                var token = await session.AccessTokenAsync(ct);
                if (token is null) return new(default, new Problem(401, "Your session has ended: reload the page to sign in again.", null, Empty, null));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                using var response = await factory.CreateClient(Extensions.Gateway).SendAsync(request, ct);
                if (response.IsSuccessStatusCode)
                    return new(response.Content.Headers.ContentLength == 0 ? default : await response.Content.ReadFromJsonAsync<T>(Json, ct), null);
                return new(default, await ProblemAsync(response, ct));
            }
            catch (HttpRequestException e)
            {
                return new(default, new Problem(503, "The service desk could not be reached.", e.Message, Empty, null));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The screen closed meanwhile: nobody reads the answer, and an exception here would end the whole circuit.
                return new(default, new Problem(499, "Cancelled: the screen was closed.", null, Empty, null));
            }
        }
    }

    private static readonly Dictionary<string, string[]> Empty = [];

    private static async Task<Problem> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var fallback = status switch
        {
            401 => "Your session has ended: reload the page to sign in again.",
            403 => "Your role may not do this.",
            404 => "Not found.",
            429 => "Too many requests: wait a moment.",
            _ => $"The service answered {status}.",
        };
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
            if (body.ValueKind != JsonValueKind.Object) return new Problem(status, fallback, null, Empty, null);
            var errors = body.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object
                ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Array
                    ? p.Value.EnumerateArray().Select(v => v.ToString()).ToArray() : [p.Value.ToString()])
                : Empty;
            return new Problem(status,
                body.TryGetProperty("title", out var title) ? title.GetString() ?? fallback : fallback,
                body.TryGetProperty("detail", out var detail) ? detail.GetString() : null,
                errors,
                body.TryGetProperty("currentVersion", out var version) && version.TryGetUInt32(out var v) ? v : null);
        }
        catch (JsonException)
        {
            return new Problem(status, fallback, null, Empty, null);
        }
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
