using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>Boundary: what the host seals with an app's session key is what the host holds (its profiles, pseudonyms,
/// decisions) or what a provider its operator registered gave it, never what the caller sent; the app's server trusts
/// sealed data as the platform's.</summary>
public sealed class SealedDataTests
{
    private static readonly WeRunStepInfo[] ProviderSteps =
        [new(DateTimeOffset.FromUnixTimeSeconds(1_764_518_400), 8_123), new(DateTimeOffset.FromUnixTimeSeconds(1_764_604_800), 0)];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetWeRunData_ClientSendsItsOwnStepInfoList_RefusedAndNothingSealed()
    {
        var provider = new RecordingStepProvider();
        await using var host = new TestHost(services: s => s.AddSingleton<IWeRunStepProvider>(provider));
        var (app, _) = await WeRunReadyAsync(host);

        var response = await app.PostAsJsonAsync("/api/v1/apis/getWeRunData/data",
            new { stepInfoList = new[] { new { timestamp = 1_764_518_400L, step = 999_999 } } }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Json(response);
        Assert.Equal("steps_not_accepted", (string)problem["code"]!);
        Assert.Null(problem["native"]);
        Assert.Empty(provider.Requests);
    }

    [Fact]
    public async Task GetWeRunData_NoStepProviderRegistered_NotSupportedAndNothingSealed()
    {
        await using var host = new TestHost();
        var (app, _) = await WeRunReadyAsync(host);

        var response = await app.PostAsJsonAsync("/api/v1/apis/getWeRunData/data", new { }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await Json(response);
        Assert.Equal("fail", (string)answer["status"]!);
        Assert.Equal("""{"errMsg":"getWeRunData:fail not supported"}""", answer["native"]!.ToJsonString());
    }

    [Fact]
    public async Task GetWeRunData_StepProviderRegistered_SealedDataDecryptsToTheProvidersSteps()
    {
        var provider = new RecordingStepProvider();
        await using var host = new TestHost(services: s => s.AddSingleton<IWeRunStepProvider>(provider));
        var (app, sessionKey) = await WeRunReadyAsync(host);

        var answer = await Json(await app.PostAsJsonAsync("/api/v1/apis/getWeRunData/data", new { }, Ct));

        Assert.Equal("ok", (string)answer["status"]!);
        var data = Decrypt(answer["native"]!.AsObject(), sessionKey);
        Assert.Equal("""[{"timestamp":1764518400,"step":8123},{"timestamp":1764604800,"step":0}]""", data["stepInfoList"]!.ToJsonString());
        Assert.Equal((string)data["watermark"]!["appid"]!, Assert.Single(provider.Requests).AppId);
    }

    [Theory]
    [InlineData("getUserInfo", """{"withCredentials":true,"userInfo":{"nickName":"admin"}}""")]
    [InlineData("getUserProfile", """{"rawData":"{\"nickName\":\"admin\"}"}""")]
    public async Task UserInfo_ClientSendsItsOwnProfile_RefusedAndNothingSealed(string api, string body)
    {
        await using var host = new TestHost();
        var (app, _) = await WeRunReadyAsync(host);

        var response = await app.PostAsync($"/api/v1/apis/{api}/data", RawJson(body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null((await Json(response))["native"]);
    }

    [Fact]
    public async Task AddWeRunStepProvider_Registered_IsTheProviderTheHostAsks()
    {
        var services = new ServiceCollection().AddUniAuthorizeHost().AddWeRunStepProvider<RecordingStepProvider>().AddWeRunStepProvider<OtherStepProvider>().Services;
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<RecordingStepProvider>(provider.GetRequiredService<IWeRunStepProvider>());
    }

    // A WeChat app whose code exchange ran and whose user granted scope.werun: its mini-app client and session key.
    private static async Task<(HttpClient App, string SessionKey)> WeRunReadyAsync(TestHost host)
    {
        var (appId, secret) = await host.CreateAppAsync(Platform.WeChat);
        var userId = await host.CreateUserAsync("alice");
        var app = await host.MiniAppAsync(appId, userId);
        var code = (string)(await Json(await app.PostAsync("/api/v1/login", null, Ct)))["code"]!;
        using var server = host.CreateClient();
        var exchange = await server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }), Ct);
        Assert.Equal(HttpStatusCode.OK, exchange.StatusCode);
        await new DecisionManager(host.Services.GetRequiredService<Authorizer>()).SetDecisionAsync(
            new Subject(appId, userId), "scope.werun", DecisionState.Granted, DecisionSource.Prompt, Platform.WeChat, Ct);
        await new DecisionManager(host.Services.GetRequiredService<Authorizer>()).SetDecisionAsync(
            new Subject(appId, userId), "scope.userInfo", DecisionState.Granted, DecisionSource.Prompt, Platform.WeChat, Ct);
        return (app, (string)(await Json(exchange))["session_key"]!);
    }

    // What an app server does with encryptedData: AES-128-CBC, PKCS#7, key = base64-decoded session_key.
    internal static JsonObject Decrypt(JsonObject native, string sessionKey)
    {
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(sessionKey);
        var plain = aes.DecryptCbc(Convert.FromBase64String((string)native["encryptedData"]!), Convert.FromBase64String((string)native["iv"]!), PaddingMode.PKCS7);
        return JsonNode.Parse(Encoding.UTF8.GetString(plain))!.AsObject();
    }

    private sealed class RecordingStepProvider : IWeRunStepProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<WeRunStepRequest> Requests { get; } = new();

        public ValueTask<IReadOnlyList<WeRunStepInfo>> GetStepsAsync(WeRunStepRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Enqueue(request);
            return new(ProviderSteps);
        }
    }

    private sealed class OtherStepProvider : IWeRunStepProvider
    {
        public ValueTask<IReadOnlyList<WeRunStepInfo>> GetStepsAsync(WeRunStepRequest request, CancellationToken cancellationToken = default) =>
            new(Array.Empty<WeRunStepInfo>());
    }
}
