using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Uni.Authorize.PostgreSql;

// One database and schema shared by the stores and the change feed: the connection pool, the table names,
// and the migrations, applied once before the first query (retried after a failure, so a database that is
// down at start-up is picked up when it is back).
internal sealed class PostgreSqlDatabase : IDisposable, IAsyncDisposable
{
    // Namespaces the advisory lock that serializes migrations of one schema across processes.
    private const int MigrationLockNamespace = 0x5541_5A31;

    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task? _migration;

    public PostgreSqlDatabase(PostgreSqlStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        PostgreSqlStoreOptionsValidator.Code.ThrowIfInvalid(options);
        Options = options;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger("Uni.Authorize.PostgreSql");
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        if (!builder.ConnectionStringBuilder.ContainsKey("Max Auto Prepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        // Bounded per instance, so that instances × pool stays within the server's max_connections.
        builder.ConnectionStringBuilder.MaxPoolSize = options.EffectiveMaxPoolSize(builder.ConnectionStringBuilder);

        DataSource = builder.Build();
        Schema = options.Schema;
        Table = new TableNames(options.Schema);
    }

    public PostgreSqlStoreOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    public NpgsqlDataSource DataSource { get; }

    public string Schema { get; }

    public TableNames Table { get; }

    /// <summary>The domain clock: stamps the webhook events of changes that carry no time of their own.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Completes once the schema is at the latest version; throws while the database cannot be reached.</summary>
    public ValueTask EnsureMigratedAsync(CancellationToken cancellationToken)
    {
        var migration = Volatile.Read(ref _migration);
        if (migration is { IsCompletedSuccessfully: true })
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(WaitForMigrationAsync(cancellationToken));
    }

    public NpgsqlCommand Command(string sql, params ReadOnlySpan<NpgsqlParameter> parameters)
    {
        var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public void Dispose() => DataSource.Dispose();

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private async Task WaitForMigrationAsync(CancellationToken cancellationToken)
    {
        Task migration;
        lock (_gate)
        {
            if (_migration is null || _migration.IsFaulted || _migration.IsCanceled)
            {
                // Shared by every waiter, so one caller giving up does not cancel it for the others.
                _migration = MigrateAsync();
            }

            migration = _migration;
        }

        await migration.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task MigrateAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))", connection, transaction))
        {
            lockCommand.Parameters.Add(SqlParameters.Int(MigrationLockNamespace));
            lockCommand.Parameters.Add(SqlParameters.Text(Schema));
            await lockCommand.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        // Create only what is missing: a role that may not create objects can use a schema provisioned for it.
        bool schemaExists, tableExists;
        await using (var probe = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), to_regclass($2) IS NOT NULL", connection, transaction))
        {
            probe.Parameters.Add(SqlParameters.Text(Schema));
            probe.Parameters.Add(SqlParameters.Text(Table.Migrations));
            await using var reader = await probe.ExecuteReaderAsync().ConfigureAwait(false);
            await reader.ReadAsync().ConfigureAwait(false);
            (schemaExists, tableExists) = (reader.GetBoolean(0), reader.GetBoolean(1));
        }

        if (!tableExists)
        {
            var createSchema = schemaExists ? string.Empty : $"CREATE SCHEMA \"{Schema}\";";
            await using var setup = new NpgsqlCommand(
                $"""
                {createSchema}
                CREATE TABLE {Table.Migrations} (
                    version    integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """, connection, transaction);
            await setup.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        int applied;
        await using (var current = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {Table.Migrations}", connection, transaction))
        {
            applied = Convert.ToInt32(await current.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        var steps = Migrations.Steps(Schema);
        if (applied > steps.Count)
        {
            throw new InvalidOperationException(
                $"The schema \"{Schema}\" is at version {applied}, newer than this library knows ({steps.Count}); upgrade Uni.Authorize.PostgreSql.");
        }

        for (var version = applied + 1; version <= steps.Count; version++)
        {
            await using (var step = new NpgsqlCommand(steps[version - 1], connection, transaction))
            {
                await step.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            await using (var record = new NpgsqlCommand($"INSERT INTO {Table.Migrations} (version) VALUES ($1)", connection, transaction))
            {
                record.Parameters.Add(SqlParameters.Int(version));
                await record.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            Log.MigrationApplied(_logger, version, Schema);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
    }

    internal sealed class TableNames(string schema)
    {
        public string Migrations { get; } = $"\"{schema}\".schema_migrations";

        public string Decisions { get; } = $"\"{schema}\".decisions";

        public string Audit { get; } = $"\"{schema}\".decision_audit";

        public string AuthCodes { get; } = $"\"{schema}\".auth_codes";

        public string Consents { get; } = $"\"{schema}\".pending_consents";

        public string Calls { get; } = $"\"{schema}\".pending_calls";

        public string Apps { get; } = $"\"{schema}\".identity_apps";

        public string Users { get; } = $"\"{schema}\".identity_users";

        public string Sessions { get; } = $"\"{schema}\".identity_sessions";

        public string Keys { get; } = $"\"{schema}\".identity_keys";

        public string Profiles { get; } = $"\"{schema}\".identity_profiles";

        public string SessionKeys { get; } = $"\"{schema}\".identity_session_keys";

        public string AccessTokens { get; } = $"\"{schema}\".identity_access_tokens";

        public string WebhookEndpoints { get; } = $"\"{schema}\".webhook_endpoints";

        public string WebhookOutbox { get; } = $"\"{schema}\".webhook_outbox";

        public string WebhookLease { get; } = $"\"{schema}\".webhook_lease";

        public string Manifests { get; } = $"\"{schema}\".app_manifests";

        public string ManifestPurposes { get; } = $"\"{schema}\".app_manifest_purposes";

        public string AccessRecords { get; } = $"\"{schema}\".access_records";
    }
}
