using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Uni.Authorize.Sqlite.Tests;

/// <summary>Answers every dialog with one fixed answer and counts the dialogs shown.</summary>
internal sealed class CountingPrompter(PromptResult answer) : IAuthorizationPrompter
{
    private int _shown;

    public int Shown => Volatile.Read(ref _shown);

    public ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _shown);
        return new(answer);
    }
}

/// <summary>An authorizer on a real SQLite file, wired the way an application wires it.</summary>
internal sealed class SqliteHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public SqliteHost(string path, Action<SqliteStoreOptions>? configure = null, bool cache = false)
    {
        var services = new ServiceCollection();
        var builder = services
            .AddUniAuthorize(o => o.Prompter = Prompter)
            .AddSqliteStore(o =>
            {
                o.Path = path;
                configure?.Invoke(o);
            });
        if (cache)
        {
            builder.AddDecisionCache();
        }

        _provider = services.BuildServiceProvider();
        Authorizer = _provider.GetRequiredService<Authorizer>();
    }

    public static Subject Alice { get; } = new("app-1", "alice");

    public CountingPrompter Prompter { get; } = new(PromptResult.Allow);

    public Authorizer Authorizer { get; }

    public DecisionManager DecisionManager => _provider.GetRequiredService<DecisionManager>();

    public AuthCodeService AuthCodeService => _provider.GetRequiredService<AuthCodeService>();

    public SqliteDatabase Database => _provider.GetRequiredService<SqliteDatabase>();

    public IDecisionStore Decisions => _provider.GetRequiredService<IDecisionStore>();

    public IAuthCodeStore AuthCodes => _provider.GetRequiredService<IAuthCodeStore>();

    public async Task<AuthorizeOutcome> AuthorizeAsync(string scope, Subject? subject = null) =>
        await Authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope) { Subject = subject ?? Alice }, TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    /// <summary>A plain connection to the file, outside the store.</summary>
    public static SqliteConnection OpenSide(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False;Default Timeout=5");
        connection.Open();
        return connection;
    }

    public static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static long Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
