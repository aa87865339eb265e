using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Uni.Authorize.Host;

/// <summary>ASP.NET Core data-protection keys in PostgreSQL, so that every instance on one database reads the cookies and
/// antiforgery tokens any of them issued. The table is created on first use (serialised across instances).</summary>
internal sealed class PostgreSqlXmlRepository : IXmlRepository, IDisposable
{
    private const long CreateLock = 0x5541_5A32;
    private readonly NpgsqlDataSource _source;
    private readonly string _table;
    private readonly string _schema;
    private volatile bool _created;

    public PostgreSqlXmlRepository(string connectionString, string schema)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        _schema = schema;
        _table = $"\"{schema}\".data_protection_keys";
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        EnsureTable();
        using var command = _source.CreateCommand($"SELECT xml FROM {_table} ORDER BY id");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        EnsureTable();
        using var command = _source.CreateCommand($"INSERT INTO {_table} (friendly_name, xml) VALUES ($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = friendlyName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }

    public void Dispose() => _source.Dispose();

    private void EnsureTable()
    {
        if (_created)
        {
            return;
        }

        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({CreateLock});
            CREATE SCHEMA IF NOT EXISTS "{_schema}";
            CREATE TABLE IF NOT EXISTS {_table} (
                id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                friendly_name text NOT NULL,
                xml           text NOT NULL
            );
            """, connection, transaction))
        {
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        _created = true;
    }
}
