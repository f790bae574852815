using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace ServiceDesk.Platform;

/// <summary>
/// Loading a row to change it inside a consumer's transaction: <c>FOR UPDATE</c> makes two deliveries about the same
/// row take turns instead of both reading it, one failing on the concurrency token at commit, and being retried from
/// the start (which the end-to-end benchmark saw by the hundred under load).
/// </summary>
public static class LockingQueries
{
    private static readonly ConcurrentDictionary<Type, string> Statements = new();
    private static readonly ConcurrentDictionary<Type, string> ManyStatements = new();

    /// <summary>The row of <typeparamref name="T"/> with key <paramref name="key"/>, locked until the transaction ends.</summary>
    public static Task<T> SingleForUpdateAsync<T>(this DbSet<T> set, Guid key, CancellationToken cancellationToken) where T : class =>
        set.FromSqlRaw(SelectForUpdate<T>(set.GetService<ICurrentDbContext>().Context), key).AsTracking().SingleAsync(cancellationToken);

    /// <summary>
    /// The rows of <typeparamref name="T"/> with these keys (those that exist), locked until the transaction ends. They are
    /// locked in key order, so two callers locking overlapping sets take turns instead of deadlocking.
    /// </summary>
    public static Task<List<T>> ListForUpdateAsync<T>(this DbSet<T> set, Guid[] keys, CancellationToken cancellationToken) where T : class =>
        set.FromSqlRaw(ManyStatements.GetOrAdd(typeof(T), _ => Select<T>(set.GetService<ICurrentDbContext>().Context, "= ANY({0}) ORDER BY {key}")), keys)
            .AsTracking().ToListAsync(cancellationToken);

    /// <summary>The statement that loads and locks one row of <typeparamref name="T"/> by its (single-column) key, built once from the model.</summary>
    public static string SelectForUpdate<T>(DbContext db) where T : class => Statements.GetOrAdd(typeof(T), _ => Select<T>(db, "= {0}"));

    /// <summary>"SELECT every column FROM the table WHERE key <paramref name="condition"/> FOR UPDATE" ({key} names the key column).</summary>
    private static string Select<T>(DbContext db, string condition) where T : class
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var sql = db.GetService<ISqlGenerationHelper>();
        var key = entity.FindPrimaryKey()?.Properties is [var single] ? single.GetColumnName()
            : throw new InvalidOperationException($"{typeof(T).Name} has no single-column key.");
        // xmin is a system column, so "*" leaves it out; a row version mapped on it must be selected by name.
        var xmin = entity.GetProperties().Any(p => p.GetColumnName() == "xmin") ? ", xmin" : "";
        var column = sql.DelimitIdentifier(key);
        return $"SELECT *{xmin} FROM {sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema())} WHERE {column} {condition.Replace("{key}", column, StringComparison.Ordinal)} FOR UPDATE";
    }
}
