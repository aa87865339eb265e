using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Uni.Authorize.Client;

namespace Uni.Authorize.AspNetCore.Tests;

// The client's retries (the standard resilience handler of AddUniAuthorizeClient) against a real Kestrel server that
// answers 503 to the first requests of each path, as a restarting proxy would.
public sealed class ClientResilienceTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _sent = new(StringComparer.Ordinal);
    private WebApplication _server = null!;
    private int _failFirst;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.Use(async (context, next) =>
        {
            var key = context.Request.Method + " " + context.Request.Path;
            if (_sent.AddOrUpdate(key, 1, static (_, n) => n + 1) <= Volatile.Read(ref _failFirst))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsJsonAsync(new { code = "proxy_restarting" });
                return;
            }

            await next(context);
        });
        _server.MapGet("/api/v1/settings", static () => Results.Json(new
        {
            platform = "wechat", authSetting = new Dictionary<string, bool> { ["scope.camera"] = true }, native = new { errMsg = "getSetting:ok" },
        }));
        _server.MapPost("/api/v1/authorize", static () => Results.Json(new
        {
            status = "ok", platform = "wechat", errMsg = "authorize:ok", scopes = new[] { "scope.camera" }, native = new { errMsg = "authorize:ok" },
        }));
        _server.MapPost("/api/v1/login", static () => Results.Json(new { code = "c0de", errMsg = "login:ok" }));
        await _server.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task GetSettingAsync_ServerFailsTwice_RetriedUntilItAnswers()
    {
        _failFirst = 2;
        await using var provider = Services();

        var settings = await provider.GetRequiredService<UniAuthorizeClient>().GetSettingAsync(Ct);

        Assert.True(settings.AuthSetting["scope.camera"]);
        Assert.Equal(3, _sent["GET /api/v1/settings"]);
    }

    [Fact]
    public async Task GetSettingAsync_ServerFailsBeyondReadRetries_ThrowsTheLastProblem()
    {
        _failFirst = 10;
        await using var provider = Services(static o => o.ReadRetries = 1);

        var error = await Assert.ThrowsAsync<UniAuthorizeProblemException>(() => provider.GetRequiredService<UniAuthorizeClient>().GetSettingAsync(Ct));

        Assert.Equal((503, "proxy_restarting"), (error.Status, error.Code));
        Assert.Equal(2, _sent["GET /api/v1/settings"]);
    }

    [Fact]
    public async Task TryAuthorizeAsync_ServerFailsOnce_NotReplayedBecauseItMayChangeState()
    {
        _failFirst = 1;
        await using var provider = Services();

        var error = await Assert.ThrowsAsync<UniAuthorizeProblemException>(() => provider.GetRequiredService<UniAuthorizeClient>().TryAuthorizeAsync("scope.camera", Ct));

        Assert.Equal(503, error.Status);
        Assert.Equal(1, _sent["POST /api/v1/authorize"]);
    }

    [Fact]
    public async Task LoginAsync_ServerFailsOnce_NotReplayedBecauseEachCodeIsNew()
    {
        _failFirst = 1;
        await using var provider = Services();

        await Assert.ThrowsAsync<UniAuthorizeProblemException>(() => provider.GetRequiredService<UniAuthorizeClient>().LoginAsync(Ct));

        Assert.Equal(1, _sent["POST /api/v1/login"]);
    }

    [Fact]
    public async Task AddUniAuthorizeClient_ConfigurationSection_BindsTheSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([
            new("Client:BaseAddress", _server.Urls.First()), new("Client:SessionToken", "st_x"),
            new("Client:PollWait", "00:00:05"), new("Client:ReadRetries", "0")]).Build();
        var services = new ServiceCollection();
        services.AddUniAuthorizeClient(configuration.GetSection("Client"));
        _failFirst = 1;
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<UniAuthorizeClientOptions>>().Value;
        await Assert.ThrowsAsync<UniAuthorizeProblemException>(() => provider.GetRequiredService<UniAuthorizeClient>().GetSettingAsync(Ct));

        Assert.Equal((TimeSpan.FromSeconds(5), 0), (options.PollWait, options.ReadRetries));
        Assert.Equal(1, _sent["GET /api/v1/settings"]);
    }

    [Fact]
    public void AddUniAuthorizeClient_BadSettingInSection_FailsAtStartNamingItsPath()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Client:ReadRetries", "-1")]).Build();
        var services = new ServiceCollection();
        services.AddUniAuthorizeClient(configuration.GetSection("Client"));
        using var provider = services.BuildServiceProvider();

        // The resilience handler's settings read the client's, so both report the same failures.
        var error = Assert.ThrowsAny<Exception>(provider.GetRequiredService<IStartupValidator>().Validate);

        Assert.All(error is AggregateException many ? many.InnerExceptions : [error], static e => Assert.IsType<OptionsValidationException>(e));
        Assert.Contains("Client:SessionToken is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Client:ReadRetries must not be negative; it is -1.", error.Message, StringComparison.Ordinal);
    }

    private ServiceProvider Services(Action<UniAuthorizeClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddUniAuthorizeClient(o =>
        {
            o.BaseAddress = new Uri(_server.Urls.First());
            o.SessionToken = "st_x";
            o.RetryDelay = TimeSpan.FromMilliseconds(1);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }
}
