namespace ServiceDesk.Platform;

/// <summary>
/// A message about something this service has not heard of yet, because the event that introduces it comes on another
/// queue (notify's <c>TicketOpened</c> before its <c>SlaClockStarted</c>). That queue's backlog decides how long the wait
/// is, not the message, so the bus waits it out as long as a database restart rather than parking the message after a
/// few seconds (docs/adr/0067).
/// </summary>
public sealed class NotYetKnownException(string message) : Exception(message);
