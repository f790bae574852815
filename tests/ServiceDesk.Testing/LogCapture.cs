using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServiceDesk.Testing;

/// <summary>
/// Keeps the warnings and errors an in-process app logs (or everything from <paramref name="minimum"/> up), formatted, so
/// a test can check that something was logged, and at which level.
/// </summary>
public sealed class LogCapture(LogLevel minimum = LogLevel.Warning) : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(string Category, LogLevel Level, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, minimum, _entries);

    public void Dispose() { }

    private sealed class Logger(string category, LogLevel minimum, ConcurrentQueue<(string, LogLevel, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum; // by default what ops must see; keeps the capture small

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
