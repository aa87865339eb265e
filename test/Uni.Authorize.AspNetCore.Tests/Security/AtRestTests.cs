using System.Net;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>Boundary: what the host keeps on disk. Someone who copies the data folder, the SQLite file or the PostgreSQL
/// tables finds no session key, webhook secret or pseudonym key in plain text, and no data-protection key in plain text
/// when a certificate protects them; the folder and its files are owner-only. Real files, a real PostgreSQL.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class AtRestTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "uni-atrest-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }

        File.Delete(_data + "-certificate.pfx");
    }

    [Fact]
    public async Task SqliteFile_AfterRealFlows_HoldsNoSessionKeyWebhookSecretOrPseudonymKey()
    {
        await using var host = Sqlite();
        var secrets = await RealFlowsAsync(host);

        var raw = ReadAll(Path.Combine(_data, "decisions.db"), Path.Combine(_data, "decisions.db-wal"));

        AssertNoneOf(secrets, raw);
    }

    [Fact]
    public async Task PostgreSqlTables_AfterRealFlows_HoldNoSessionKeyWebhookSecretOrPseudonymKey()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var host = new TestHost(new()
        {
            ["Store:Provider"] = "PostgreSql", ["Store:ConnectionString"] = database.ConnectionString, ["Store:DataDirectory"] = _data,
        });
        var secrets = await RealFlowsAsync(host);

        var raw = await DumpAsync(database.ConnectionString, "SELECT session_key FROM uni_authorize.identity_session_keys",
            "SELECT secret FROM uni_authorize.webhook_endpoints", "SELECT encode(value, 'hex') FROM uni_authorize.identity_keys");

        Assert.NotEmpty(raw);
        AssertNoneOf(secrets, Encoding.UTF8.GetBytes(raw));
        Assert.DoesNotContain(Convert.ToHexStringLower(secrets.PseudonymKey), raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqliteWrittenTheOldWay_PlainValues_StillWorkAndAreEncryptedOnFirstRead()
    {
        await using var host = Sqlite();
        var (appId, secret) = await host.CreateAppAsync(Platform.WeChat);
        var userId = await host.CreateUserAsync("alice");
        var raw = host.Services.GetRequiredService<IIdentityStore>();
        var rawWebhooks = host.Services.GetRequiredService<IWebhookStore>();
        // As an earlier version wrote them: the plain key, session key and secret.
        var legacyKey = RandomNumberGenerator.GetBytes(32);
        const string legacySessionKey = "bGVnYWN5LXNlc3Npb24ta2V5";
        const string legacySecret = "whsec_bGVnYWN5LXdlYmhvb2stc2VjcmV0LXZhbHVl";
        await raw.GetOrAddKeyAsync("pseudonym-hmac", legacyKey, Ct);
        await raw.SetSessionKeyAsync(appId, userId, legacySessionKey, Ct);
        await rawWebhooks.SetEndpointAsync(new WebhookEndpoint(appId, new Uri("https://hooks.example.com/uni"), legacySecret, DateTimeOffset.UtcNow), Ct);

        var protectedStore = host.Services.GetRequiredService<ProtectedIdentityStore>();
        var sessionKey = await protectedStore.GetSessionKeyAsync(appId, userId, Ct);
        var sessionKeyAfterRead = await raw.GetSessionKeyAsync(appId, userId, Ct);
        var webhookSecret = (await host.Services.GetRequiredService<ProtectedWebhookStore>().GetEndpointAsync(appId, Ct))!.Secret;
        using var app = await host.MiniAppAsync(appId, userId);
        var login = (string)(await Json(await app.PostAsync("/api/v1/login", null, Ct)))["code"]!;
        var exchange = await Json(await host.CreateClient().PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["appid"] = appId, ["secret"] = secret, ["js_code"] = login, ["grant_type"] = "authorization_code" }), Ct));

        Assert.Equal(legacySessionKey, sessionKey);
        Assert.StartsWith("dp1.", sessionKeyAfterRead, StringComparison.Ordinal);
        Assert.Equal(legacySecret, webhookSecret);
        // The openid an app's server knew before the upgrade stays the same: the old key is still the key.
        Assert.Equal(WeChatOpenId(legacyKey, appId, userId), (string)exchange["openid"]!);
        Assert.StartsWith("dp1.", (await rawWebhooks.GetEndpointAsync(appId, Ct))!.Secret, StringComparison.Ordinal);
        Assert.NotEqual(legacyKey, await raw.GetOrAddKeyAsync("pseudonym-hmac", [0], Ct));
        Assert.Equal(legacyKey, await protectedStore.GetOrAddKeyAsync("pseudonym-hmac", [0], Ct));
    }

    [Fact]
    public async Task DataFolder_NewAfterRealFlows_IsOwnerOnlyWithEveryFile0600()
    {
        await using var host = Sqlite();
        await RealFlowsAsync(host);
        using (var client = host.CreateClient())
        {
            await RefreshAntiforgeryAsync(client);
        }

        Assert.Equal(OwnerFolder, File.GetUnixFileMode(_data));
        var entries = Directory.GetFileSystemEntries(_data, "*", SearchOption.AllDirectories);
        Assert.Contains(entries, e => e.EndsWith("demo-apps.json", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EndsWith("decisions.db-wal", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EndsWith(".xml", StringComparison.Ordinal) && e.Contains("keys", StringComparison.Ordinal));
        Assert.All(entries, e => Assert.Equal(Directory.Exists(e) ? OwnerFolder : OwnerFile, File.GetUnixFileMode(e)));
    }

    [Fact]
    public async Task DataFolder_LeftReadableByAnEarlierVersion_IsNarrowedOnStartWithAWarningForEach()
    {
        const UnixFileMode wideFile = OwnerFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode wideFolder = OwnerFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(Path.Combine(_data, "keys"));
        await File.WriteAllTextAsync(Path.Combine(_data, "admin.key"), "an-admin-key-of-an-earlier-run", Ct);
        File.SetUnixFileMode(Path.Combine(_data, "admin.key"), wideFile);
        File.SetUnixFileMode(Path.Combine(_data, "keys"), wideFolder);
        File.SetUnixFileMode(_data, wideFolder);
        var logs = new CapturingLoggerProvider();

        await using var host = Sqlite(services: services => services.AddLogging(b => b.AddProvider(logs)));
        using var client = host.CreateClient();

        Assert.Equal(OwnerFolder, File.GetUnixFileMode(_data));
        Assert.Equal(OwnerFolder, File.GetUnixFileMode(Path.Combine(_data, "keys")));
        Assert.Equal(OwnerFile, File.GetUnixFileMode(Path.Combine(_data, "admin.key")));
        var warnings = logs.Lines.Where(l => l.Contains("could be read by other users", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.Contains(Path.Combine(_data, "admin.key"), StringComparison.Ordinal) && w.Contains("0644", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyFiles_WithACertificateConfigured_HoldNoPlainMasterKeyAndStillDecryptAfterARestart()
    {
        var (path, password) = CertificateFile();
        var settings = new Dictionary<string, string?> { ["DataProtection:Certificate:Path"] = path, ["DataProtection:Certificate:Password"] = password };
        string sessionKey, appId, userId;
        await using (var host = Sqlite(settings))
        {
            var secrets = await RealFlowsAsync(host);
            (sessionKey, appId, userId) = (secrets.SessionKey, secrets.AppId!, secrets.UserId!);
        }

        var xml = string.Concat(Directory.GetFiles(Path.Combine(_data, "keys"), "*.xml").Select(File.ReadAllText));

        Assert.Contains("<encryptedSecret", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        await using var restarted = Sqlite(settings);
        Assert.Equal(sessionKey, await SecretBound.SessionKeyAsync(restarted.Services.GetRequiredService<ProtectedIdentityStore>(), appId, userId, Ct));
    }

    [Fact]
    public async Task KeyFiles_WithoutACertificate_HoldThePlainMasterKey()
    {
        await using (var host = Sqlite())
        {
            using var client = host.CreateClient();
            await RefreshAntiforgeryAsync(client);
        }

        var xml = string.Concat(Directory.GetFiles(Path.Combine(_data, "keys"), "*.xml").Select(File.ReadAllText));

        Assert.Contains("<masterKey", xml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgreSqlKeyTable_WithACertificateConfigured_HoldsNoPlainMasterKey()
    {
        var (path, password) = CertificateFile();
        await using var database = await PostgresDatabase.CreateAsync();
        await using (var host = new TestHost(new()
        {
            ["Store:Provider"] = "PostgreSql", ["Store:ConnectionString"] = database.ConnectionString, ["Store:DataDirectory"] = _data,
            ["DataProtection:Certificate:Path"] = path, ["DataProtection:Certificate:Password"] = password,
        }))
        {
            using var client = host.CreateClient();
            await RefreshAntiforgeryAsync(client);
        }

        var xml = await DumpAsync(database.ConnectionString, "SELECT xml FROM uni_authorize.data_protection_keys");

        Assert.Contains("<encryptedSecret", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_WrongPassword_FailsAtStartNamingTheSettingNotThePassword()
    {
        var (path, _) = CertificateFile();
        await using var host = Sqlite(new() { ["DataProtection:Certificate:Path"] = path, ["DataProtection:Certificate:Password"] = "not-the-password-42" });

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains("DataProtection:Certificate:Path is not a PKCS#12", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-42", error.ToString(), StringComparison.Ordinal);
    }

    private TestHost Sqlite(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?> { ["Store:Provider"] = "Sqlite", ["Store:DataDirectory"] = _data, ["Host:ExchangePermitLimit"] = "1000" };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return new TestHost(all, services);
    }

    /// <summary>A login and code exchange (session key, pseudonym key) and a webhook registration (its secret).</summary>
    private static async Task<Secrets> RealFlowsAsync(TestHost host)
    {
        var (appId, secret) = await host.CreateAppAsync(Platform.WeChat);
        var userId = await host.CreateUserAsync("alice");
        using var app = await host.MiniAppAsync(appId, userId);
        using var server = host.CreateClient();
        var login = (string)(await Json(await app.PostAsync("/api/v1/login", null, Ct)))["code"]!;
        var exchange = await Json(await server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["appid"] = appId, ["secret"] = secret, ["js_code"] = login, ["grant_type"] = "authorization_code" }), Ct));
        using var admin = host.Admin();
        var hook = await Json(await admin.PutAsJsonAsync($"/admin/v1/apps/{appId}/webhook", new { url = "https://hooks.example.com/uni" }, Ct));
        var key = await host.Services.GetRequiredService<ProtectedIdentityStore>().GetOrAddKeyAsync("pseudonym-hmac", [0], Ct);
        return new Secrets((string)exchange["session_key"]!, (string)hook["secret"]!, key) { AppId = appId, UserId = userId };
    }

    private static void AssertNoneOf(Secrets secrets, byte[] raw)
    {
        Assert.NotEmpty(raw);
        Assert.Equal(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secrets.SessionKey)));
        Assert.Equal(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secrets.WebhookSecret)));
        Assert.Equal(-1, raw.AsSpan().IndexOf(secrets.PseudonymKey));
    }

    private static byte[] ReadAll(params string[] files) =>
        [.. files.Where(File.Exists).SelectMany(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        })];

    private static async Task<string> DumpAsync(string connectionString, params string[] queries)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        var text = new StringBuilder();
        foreach (var query in queries)
        {
            await using var command = new NpgsqlCommand(query, connection);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                text.AppendLine(reader.GetString(0));
            }
        }

        return text.ToString();
    }

    private (string Path, string Password) CertificateFile()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Uni.Authorize data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var path = _data + "-certificate.pfx";
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return (path, password);
    }

    private static string WeChatOpenId(byte[] key, string appId, string userId)
    {
        var message = Encoding.UTF8.GetBytes($"6:openid{appId.Length}:{appId}{userId.Length}:{userId}");
        return "o" + System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(key, message))[..27];
    }

    private sealed record Secrets(string SessionKey, string WebhookSecret, byte[] PseudonymKey)
    {
        public string? AppId { get; init; }

        public string? UserId { get; init; }
    }
}
