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
            if (e is OperationInterruptedException interrupted && !RefusedByBroker(interrupted)) return true;
        }
        return false;
    }

    /// <summary>
    /// A channel or connection closed under a running operation is the broker going away (320 connection-forced when it
    /// shuts down, or the client's own 491 when it disposes the channel of a dead connection: both seen when RabbitMQ
    /// restarts under load). Only a refusal of the operation itself (access refused, no such exchange or queue, a queue
    /// locked by another connection, a declaration that contradicts the existing one) says the request was wrong.
    /// </summary>
    private static bool RefusedByBroker(OperationInterruptedException e) =>
        e.ShutdownReason?.ReplyCode is 403 or 404 or 405 or 406;
}
