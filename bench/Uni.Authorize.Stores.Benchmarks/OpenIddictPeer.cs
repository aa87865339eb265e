using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Uni.Authorize.Stores.Benchmarks;

internal sealed class OpenIddictContext(DbContextOptions<OpenIddictContext> options) : DbContext(options);

/// <summary>The peer: OpenIddict's authorization manager on Entity Framework Core with SQLite, holding the same decisions
/// (a decision is a permanent authorization of one scope; denials are "revoked").</summary>
internal sealed class OpenIddictPeer : IDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IServiceScope _scope;
    private readonly OpenIddictContext _context;

    public OpenIddictPeer(int count)
    {
        var path = Path.Combine(BenchmarkData.Folder, $"openiddict-{count}.db");
        var services = new ServiceCollection();
        services.AddDbContext<OpenIddictContext>(o => o.UseSqlite($"Data Source={path}").UseOpenIddict());
        services.AddOpenIddict().AddCore(o => o.UseEntityFrameworkCore().UseDbContext<OpenIddictContext>());
        _provider = services.BuildServiceProvider();
        _scope = _provider.CreateScope();
        _context = _scope.ServiceProvider.GetRequiredService<OpenIddictContext>();
        Manager = _scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        if (!File.Exists(path + ".complete"))
        {
            Seed(path, count);
        }
    }

    public IOpenIddictAuthorizationManager Manager { get; }

    /// <summary>One lookup as an application would do it: the first valid permanent authorization for the scope.</summary>
    public async ValueTask<bool> FindAsync(Subject subject, string scope)
    {
        var found = false;
        await foreach (var _ in Manager.FindAsync(subject.UserId, subject.AppId, OpenIddictConstants.Statuses.Valid,
            OpenIddictConstants.AuthorizationTypes.Permanent, ImmutableArray.Create(scope)))
        {
            found = true;
            break;
        }

        // A request scope would end here; without this the context would track every row ever read.
        _context.ChangeTracker.Clear();
        return found;
    }

    public void Dispose()
    {
        _scope.Dispose();
        _provider.Dispose();
    }

    private void Seed(string path, int count)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _context.Database.EnsureDeleted();
        _context.Database.EnsureCreated();
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using (var apps = connection.CreateCommand())
        {
            apps.CommandText = "INSERT INTO OpenIddictApplications (Id, ClientId, ConcurrencyToken) VALUES ($id, $id, 'x')";
            var id = apps.Parameters.Add("$id", SqliteType.Text);
            foreach (var app in Enumerable.Range(0, count).Select(i => BenchmarkData.Row(i).AppId).Distinct())
            {
                id.Value = app;
                apps.ExecuteNonQuery();
            }
        }

        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO OpenIddictAuthorizations (Id, ApplicationId, ConcurrencyToken, CreationDate, Scopes, Status, Subject, Type)
            VALUES ($id, $app, 'x', $at, $scopes, $status, $subject, 'permanent')
            """;
        var idParameter = insert.Parameters.Add("$id", SqliteType.Text);
        var appParameter = insert.Parameters.Add("$app", SqliteType.Text);
        var scopesParameter = insert.Parameters.Add("$scopes", SqliteType.Text);
        var statusParameter = insert.Parameters.Add("$status", SqliteType.Text);
        var subjectParameter = insert.Parameters.Add("$subject", SqliteType.Text);
        insert.Parameters.AddWithValue("$at", BenchmarkData.DecidedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < count; i++)
        {
            var (app, user, scope) = BenchmarkData.Row(i);
            idParameter.Value = Guid.NewGuid().ToString();
            appParameter.Value = app;
            scopesParameter.Value = $"[\"{scope}\"]";
            statusParameter.Value = BenchmarkData.StateOf(i) == DecisionState.Granted ? OpenIddictConstants.Statuses.Valid : OpenIddictConstants.Statuses.Revoked;
            subjectParameter.Value = user;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        using (var analyze = connection.CreateCommand())
        {
            // Statistics for the query planner, as for the SQLite store: the peer gets its best plan.
            analyze.CommandText = "ANALYZE";
            analyze.ExecuteNonQuery();
        }

        File.WriteAllText(path + ".complete", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
