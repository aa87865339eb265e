using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class StoreDownTests
{
    [Fact]
    public async Task Exchange_AuthCodeStoreDown_AnswersWeChatsSystemErrorAndRecovers()
    {
        var codes = new SwitchableCodeStore();
        await using var host = new TestHost(services: s => s.Replace(ServiceDescriptor.Singleton<IAuthCodeStore>(codes)));
        var (appId, secret) = await host.CreateAppAsync(Platform.WeChat);
        using var app = await host.MiniAppAsync(appId, await host.CreateUserAsync("alice"));
        using var server = host.CreateClient();
        var code = (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;

        codes.Down = true;
        var down = await ExchangeAsync(server, appId, secret, code);
        var login = await app.PostAsync("/api/v1/login", null);
        codes.Down = false;
        var back = await ExchangeAsync(server, appId, secret, code);

        // WeChat's API answers HTTP 200 with errcode -1 ("system error") when it cannot answer.
        Assert.Equal(HttpStatusCode.OK, down.StatusCode);
        Assert.Equal(-1, (int)(await Json(down))["errcode"]!);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task AdminApi_IdentityStoreUnreachable_Answers503Problem()
    {
        var data = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            // PostgreSQL on a port where nothing listens: the identity store's connection is refused.
            await using var host = new TestHost(new()
            {
                ["Store:Provider"] = "PostgreSql",
                ["Store:ConnectionString"] = $"Host=127.0.0.1;Port={ClosedPort()};Username=nobody;Timeout=2",
                ["Store:DataDirectory"] = data,
            });
            using var admin = host.Admin();

            var response = await admin.GetAsync("/admin/v1/apps");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("store_unavailable", (string)(await Json(response))["code"]!);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<HttpResponseMessage> ExchangeAsync(HttpClient server, string appId, string secret, string code) =>
        server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));

    /// <summary>An auth code store that fails every call while <see cref="Down"/> is set, as a database that went away.</summary>
    private sealed class SwitchableCodeStore : IAuthCodeStore
    {
        private readonly InMemoryAuthCodeStore _inner = new();

        public volatile bool Down;

        public ValueTask AddAsync(AuthCodeRecord code, CancellationToken cancellationToken = default) =>
            Down ? throw new IOException("database gone") : _inner.AddAsync(code, cancellationToken);

        public ValueTask<AuthCodeRedemption> RedeemAsync(string codeHash, string appId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            Down ? throw new IOException("database gone") : _inner.RedeemAsync(codeHash, appId, now, cancellationToken);

        public ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default) => _inner.EraseUserAsync(userId, cancellationToken);

        public ValueTask<int> RemoveAppCodesAsync(string appId, CancellationToken cancellationToken = default) => _inner.RemoveAppCodesAsync(appId, cancellationToken);

        public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default) => _inner.PruneAsync(now, batchSize, cancellationToken);
    }
}
