using Npgsql;

namespace Uni.Authorize.PostgreSql;

// One housekeeping round at a time per schema, across every host: a session-level advisory lock held on one connection
// for the round. A host that dies mid-round drops its connection, and with it the lock.
internal sealed class PostgreSqlHousekeepingLock(PostgreSqlDatabase database) : IHousekeepingLock
{
    // Namespaces the advisory lock apart from the migration lock of the same schema.
    private const int HousekeepingLockNamespace = 0x5541_5A32;

    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        await database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, hashtext($2))", connection);
            command.Parameters.Add(SqlParameters.Int(HousekeepingLockNamespace));
            command.Parameters.Add(SqlParameters.Text(database.Schema));
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                return new Lease(connection, database.Schema);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private sealed class Lease(NpgsqlConnection connection, string schema) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, hashtext($2))", connection);
                command.Parameters.Add(SqlParameters.Int(HousekeepingLockNamespace));
                command.Parameters.Add(SqlParameters.Text(schema));
                await command.ExecuteScalarAsync().ConfigureAwait(false);
            }
            catch
            {
                // A pooled connection must not go back still holding the lock: close it for good.
                NpgsqlConnection.ClearPool(connection);
                throw;
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
