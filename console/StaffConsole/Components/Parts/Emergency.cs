using StaffConsole.Api;

namespace StaffConsole.Components.Parts;

/// <summary>An open P1 ticket with its paging chain, call-down walk and approvals, as the dispatcher board shows it.</summary>
public sealed record Emergency(QueueItem Ticket, PagingView? Paging, CallDownView? CallDown, ApprovalView[] Approvals);
