using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Uni.Authorize.Client;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class ClientTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private string _appId = null!;
    private string _token = null!;
    private HttpClient _user = null!;

    public async ValueTask InitializeAsync()
    {
        (_appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        var userId = await _host.CreateUserAsync("alice");
        using var admin = _host.Admin();
        _token = (string)(await Json(await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = _appId, userId })))["token"]!;
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AuthorizeAsync_PendingConsent_PollsUntilTheUserAllows()
    {
        var client = Client();

        var call = client.AuthorizeAsync("scope.userLocation", TestContext.Current.CancellationToken);
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "allow");
        var reply = await call.WaitAsync(Patience);

        Assert.True(reply.Succeeded);
        Assert.Equal("authorize:ok", reply.Native.GetProperty("errMsg").GetString());
        Assert.Equal(["scope.userLocation"], reply.Scopes);
    }

    [Fact]
    public async Task AuthorizeAsync_Denied_ThrowsCarryingTheNativeDenial()
    {
        var client = Client();
        var first = client.TryAuthorizeAsync("scope.camera");
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "deny");
        Assert.False((await first.WaitAsync(Patience)).Succeeded);

        var error = await Assert.ThrowsAsync<AuthorizeRejectedException>(() => client.AuthorizeAsync("scope.camera").WaitAsync(Patience));

        Assert.Equal("denied", error.Reply.ErrorCode);
        Assert.Equal("authorize:fail auth deny", error.Reply.Native.GetProperty("errMsg").GetString());
    }

    [Fact]
    public async Task AuthorizeAsync_Denied_SameExceptionFamilyAndNativeJsonAsTheCore()
    {
        var client = Client();
        var first = client.TryAuthorizeAsync("scope.camera");
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "deny");
        await first.WaitAsync(Patience);
        using var core = new Authorizer(new UniAuthorizeOptions { Prompter = new DenyingPrompter() });

        UniAuthorizeException remote = await Assert.ThrowsAsync<AuthorizeRejectedException>(() => client.AuthorizeAsync("scope.camera").WaitAsync(Patience));
        UniAuthorizeException local = await Assert.ThrowsAsync<AuthorizeException>(async () => await core.AuthorizeAsync("scope.camera"));

        Assert.Equal((local.ErrorCode, "denied"), (remote.ErrorCode, "denied"));
        Assert.True(JsonElement.DeepEquals(local.NativeJson!.Value, remote.NativeJson!.Value));
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_UnknownScopeApi_FailsWithTheApiName()
    {
        var reply = await Client().TryAuthorizeApiAsync("notAnApi");

        Assert.False(reply.Succeeded);
        Assert.Equal("notAnApi:fail invalid param", reply.ErrMsg);
    }

    [Fact]
    public async Task OpenSettingAsync_GivesTheSettingsPageOfTheApp()
    {
        var settings = await Client().OpenSettingAsync();

        Assert.Equal("/settings?app=" + _appId, settings.SettingsUrl);
        Assert.Equal("openSetting:ok", settings.Native.GetProperty("errMsg").GetString());
    }

    [Fact]
    public async Task AnyCall_RevokedSession_ThrowsTheHostsProblemCode()
    {
        using var admin = _host.Admin();
        await admin.PostAsJsonAsync("/admin/v1/sessions/revoke", new { token = _token });

        var error = await Assert.ThrowsAsync<UniAuthorizeProblemException>(() => Client().GetSettingAsync());

        Assert.Equal(401, error.Status);
        Assert.Equal("session_invalid", error.Code);
    }

    [Fact]
    public async Task AddUniAuthorizeClient_FromTheHttpClientFactory_AuthorizesAndLogsIn()
    {
        var services = new ServiceCollection();
        services.AddUniAuthorizeClient(o =>
        {
            o.BaseAddress = _host.Server.BaseAddress;
            o.SessionToken = _token;
        }).ConfigurePrimaryHttpMessageHandler(() => _host.Server.CreateHandler());
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<UniAuthorizeClient>();

        var code = await client.LoginAsync();
        var settings = await client.GetSettingAsync();

        Assert.Equal(43, code.Length);
        Assert.Empty(settings.AuthSetting);
    }

    [Fact]
    public void Constructor_WithoutSessionToken_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new UniAuthorizeClient(new HttpClient(), new UniAuthorizeClientOptions { BaseAddress = new Uri("http://127.0.0.1") }));

        Assert.Contains("SessionToken", error.Message, StringComparison.Ordinal);
    }

    private UniAuthorizeClient Client() =>
        new(_host.Server.CreateClient(), new UniAuthorizeClientOptions { SessionToken = _token, PollWait = TimeSpan.FromSeconds(1) });

    private sealed class DenyingPrompter : IAuthorizationPrompter
    {
        public ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(PromptResult.Deny);
    }
}
