using Npgsql;
using RabbitMQ.Client.Exceptions;

namespace ServiceDesk.Platform;

/// <summary>Faults of the infrastructure rather than of the message or the code: worth waiting out.</summary>
public static class TransientFaults
{
    /// <summary>
    /// True when any exception in the chain says the database or the broker could not be reached or went away
    /// (Npgsql's own judgement, which also counts deadlocks and serialisation failures), as EF Core and MassTransit
    /// wrap them.
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true } or BrokerUnreachableException or AlreadyClosedException
                or MassTransit.RabbitMqConnectionException)
                return true;
        }
        return false;
    }
}
