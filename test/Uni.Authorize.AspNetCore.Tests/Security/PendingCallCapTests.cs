using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>
/// Boundary: calls waiting for a consent are capped per session and per user as well as per instance. Attacker: one
/// mini-app session (or one user's sessions) that opens calls until the instance has no room for anybody's prompt.
/// </summary>
public sealed class PendingCallCapTests
{
    private static readonly Dictionary<string, string?> Caps = new()
    {
        ["Host:MaxPendingCallsPerSession"] = "2",
        ["Host:MaxPendingCallsPerUser"] = "3",
    };

    [Fact]
    public async Task Authorize_SessionAtItsCap_Gets429WithThePlatformsFailureWhileAnotherUsersPromptArrives()
    {
        await using var host = new TestHost(Caps);
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        using var mallory = await host.MiniAppAsync(appId, await host.CreateUserAsync("mallory"));
        var bobId = await host.CreateUserAsync("bob");
        using var bobApp = await host.MiniAppAsync(appId, bobId);
        using var bob = await host.UserAsync("bob");

        await AskAsync(mallory, HttpStatusCode.Accepted);
        await AskAsync(mallory, HttpStatusCode.Accepted);
        var refused = await AskAsync(mallory, HttpStatusCode.TooManyRequests);
        await AskAsync(bobApp, HttpStatusCode.Accepted);
        var bobsConsent = await PendingConsentAsync(bob);

        Assert.Equal("fail", (string)refused["status"]!);
        Assert.Equal("wechat", (string)refused["platform"]!);
        Assert.Equal("authorize:fail system busy", (string)refused["native"]!["errMsg"]!);
        Assert.Equal("too_many_pending", (string)refused["error"]!["code"]!);
        Assert.Contains("MaxPendingCallsPerSession", (string)refused["error"]!["message"]!, StringComparison.Ordinal);
        Assert.Equal(appId, (string)bobsConsent["app"]!["id"]!);
    }

    [Fact]
    public async Task Authorize_UserAtTheCapAcrossSessions_Gets429InAlipaysShape()
    {
        await using var host = new TestHost(Caps);
        var (appId, _) = await host.CreateAppAsync(Platform.Alipay);
        var userId = await host.CreateUserAsync("mallory");
        using var first = await host.MiniAppAsync(appId, userId);
        using var second = await host.MiniAppAsync(appId, userId);

        // Alipay's authorize (getAuthCode) asks for its auth scopes only.
        await AskAsync(first, HttpStatusCode.Accepted, "scope.userInfo");
        await AskAsync(first, HttpStatusCode.Accepted, "scope.userInfo");
        await AskAsync(second, HttpStatusCode.Accepted, "scope.userInfo");
        var refused = await AskAsync(second, HttpStatusCode.TooManyRequests, "scope.userInfo");

        Assert.Equal(3, (int)refused["native"]!["error"]!);
        Assert.Contains("MaxPendingCallsPerUser", (string)refused["error"]!["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_AnsweredCallsLeaveTheCap_TheSessionMayAskAgain()
    {
        await using var host = new TestHost(Caps);
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        using var app = await host.MiniAppAsync(appId, await host.CreateUserAsync("carol"));
        using var carol = await host.UserAsync("carol");
        await AskAsync(app, HttpStatusCode.Accepted);
        await AskAsync(app, HttpStatusCode.Accepted);
        await AskAsync(app, HttpStatusCode.TooManyRequests);

        await AnswerAsync(carol, (string)(await PendingConsentAsync(carol))["id"]!, "deny");
        var deadline = DateTime.UtcNow + Patience;
        HttpStatusCode status;
        do
        {
            // Denied: the next ask fails at once, with no pending call; the cap no longer stands in the way either way.
            status = (await app.PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.record" })).StatusCode;
        }
        while (status == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Accepted, status);
    }

    [Theory]
    [InlineData("Host:MaxPendingCalls", "MaxPendingCalls must be positive")]
    [InlineData("Host:MaxPendingCallsPerUser", "MaxPendingCallsPerUser must be positive")]
    [InlineData("Host:MaxPendingCallsPerSession", "MaxPendingCallsPerSession must be positive")]
    public void Start_CapNotPositive_FailsNamingTheSetting(string key, string message)
    {
        using var host = new TestHost(new() { [key] = "0" });

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Asks for <paramref name="scope"/> (the same scope shares one consent, so each call is pending at once).</summary>
    private static async Task<JsonObject> AskAsync(HttpClient app, HttpStatusCode expected, string scope = "scope.userLocation")
    {
        var response = await app.PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope });
        Assert.Equal(expected, response.StatusCode);
        return await Json(response);
    }
}
