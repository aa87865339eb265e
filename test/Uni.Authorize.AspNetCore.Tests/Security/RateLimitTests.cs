using System.Net;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>
/// Boundary: a client spends only its own budget. Attacker: one client (or one app's server) that floods the code
/// exchange to lock every other app out, varies <c>X-Forwarded-For</c> to get fresh budgets, or guesses the admin key.
/// </summary>
public sealed class RateLimitTests
{
    private const string AppServer = "203.0.113.10";
    private const string OtherServer = "203.0.113.20";

    [Fact]
    public async Task Exchange_OneAppsServerOverItsLimit_GetsWeChatsOverLimitAnswerWhileOtherAppsAndAddressesGoOn()
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "3" });
        var (victim, victimSecret) = await host.CreateAppAsync(Platform.WeChat);
        var (other, otherSecret) = await host.CreateAppAsync(Platform.WeChat);
        using var client = host.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(40029, (int)(await Json(await ExchangeAsync(client, AppServer, victim, victimSecret)))["errcode"]!);
        }

        var over = await ExchangeAsync(client, AppServer, victim, victimSecret);
        var otherApp = await ExchangeAsync(client, AppServer, other, otherSecret);
        var otherAddress = await ExchangeAsync(client, OtherServer, victim, victimSecret);

        // WeChat answers over the limit with HTTP 200 and errcode 45011.
        Assert.Equal(HttpStatusCode.OK, over.StatusCode);
        Assert.NotNull(over.Headers.RetryAfter);
        var body = await Json(over);
        Assert.Equal(45011, (int)body["errcode"]!);
        Assert.StartsWith("api minute-quota reach limit", (string)body["errmsg"]!, StringComparison.Ordinal);
        Assert.Equal("application/json", over.Content.Headers.ContentType!.MediaType);
        // Not refused for the budget: the code is simply invalid.
        Assert.Equal(40029, (int)(await Json(otherApp))["errcode"]!);
        Assert.Equal(40029, (int)(await Json(otherAddress))["errcode"]!);
    }

    [Theory]
    [InlineData("alipay", "/api/v1/exchange/alipay/oauth-token", "app_id")]
    [InlineData("bytedance", "/api/v1/exchange/bytedance/jscode2session", "appid")]
    [InlineData("baidu", "/api/v1/exchange/baidu/getsessionkeybycode", "client_id")]
    [InlineData("kuaishou", "/api/v1/exchange/kuaishou/code2session", "app_id")]
    public async Task Exchange_OverTheLimit_AnswersInThePlatformsShape(string platform, string path, string appField)
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "1" });
        using var client = host.CreateClient();
        var form = new Dictionary<string, string> { [appField] = "some-app" };

        await client.PostAsync(path, new FormUrlEncodedContent(form));
        var over = await client.PostAsync(path, new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        var body = await Json(over);
        switch (platform)
        {
            case "alipay":
                Assert.Equal("isp.call-limited", (string)body["error_response"]!["sub_code"]!);
                break;
            case "bytedance":
                Assert.Equal(-1, (int)body["err_no"]!);
                break;
            case "baidu":
                Assert.Equal(10010103, (int)body["errno"]!);
                break;
            default:
                Assert.Equal(-1, (int)body["result"]!);
                break;
        }
    }

    [Fact]
    public async Task Exchange_UntrustedPeerVaryingXForwardedFor_GetsNoFreshBudget()
    {
        // nginx on 10.0.0.5 is believed; the attacker connects straight from another address.
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "2", ["Host:ForwardedHeaders:KnownProxies"] = "10.0.0.5" });
        using var client = host.CreateClient();
        var errcodes = new List<int>();

        for (var i = 0; i < 4; i++)
        {
            errcodes.Add((int)(await Json(await ExchangeAsync(client, AppServer, "victim-app", "x", forwardedFor: $"198.51.100.{i + 1}")))["errcode"]!);
        }

        Assert.Equal([40013, 40013, 45011, 45011], errcodes);
    }

    [Fact]
    public async Task Exchange_TrustedProxy_EachForwardedClientHasItsOwnBudget()
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "1", ["Host:ForwardedHeaders:KnownProxies"] = "10.0.0.5" });
        using var client = host.CreateClient();

        var first = await ExchangeAsync(client, "10.0.0.5", "victim-app", "x", forwardedFor: "198.51.100.1");
        var sameClient = await ExchangeAsync(client, "10.0.0.5", "victim-app", "x", forwardedFor: "198.51.100.1");
        var otherClient = await ExchangeAsync(client, "10.0.0.5", "victim-app", "x", forwardedFor: "198.51.100.2");

        Assert.Equal(40013, (int)(await Json(first))["errcode"]!);
        Assert.Equal(45011, (int)(await Json(sameClient))["errcode"]!);
        Assert.Equal(40013, (int)(await Json(otherClient))["errcode"]!);
    }

    [Fact]
    public async Task AdminKey_WrongKeysOverTheLimit_AreRefusedEvenWithTheRightKeyButOnlyForThatAddress()
    {
        await using var host = new TestHost(new() { ["Host:AdminKeyFailureLimit"] = "3" });
        using var client = host.CreateClient();
        var statuses = new List<HttpStatusCode>();

        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await AdminAsync(client, AppServer, "wrong-key-" + i)).StatusCode);
        }

        var rightKeyThere = await AdminAsync(client, AppServer, AdminKey);
        var rightKeyElsewhere = await AdminAsync(client, OtherServer, AdminKey);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, rightKeyThere.StatusCode);
        Assert.Equal("application/problem+json", rightKeyThere.Content.Headers.ContentType!.MediaType);
        Assert.Equal("rate_limited", (string)(await Json(rightKeyThere))["code"]!);
        Assert.NotNull(rightKeyThere.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, rightKeyElsewhere.StatusCode);
    }

    [Fact]
    public async Task OperatorSignIn_WrongKeysOverTheLimit_Are429()
    {
        await using var host = new TestHost(new() { ["Host:AdminKeyFailureLimit"] = "2" });
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);
        var statuses = new List<HttpStatusCode>();

        foreach (var key in new[] { "wrong-1", "wrong-2", "wrong-3", AdminKey })
        {
            statuses.Add((await client.PostAsync("/admin/v1/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = key }))).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Theory]
    [InlineData("Host:AdminKeyFailureLimit", "0", "AdminKeyFailureLimit must be positive")]
    [InlineData("Host:AdminKeyFailureWindow", "00:00:00", "AdminKeyFailureWindow")]
    public void Start_BadLimit_FailsNamingTheSetting(string key, string value, string message)
    {
        using var host = new TestHost(new() { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> ExchangeAsync(HttpClient client, string peer, string appId, string secret, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exchange/wechat/jscode2session")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["appid"] = appId, ["secret"] = secret, ["js_code"] = "not-a-code", ["grant_type"] = "authorization_code",
            }),
        };
        request.Headers.Add(PeerHeader, peer);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> AdminAsync(HttpClient client, string peer, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/apps");
        request.Headers.Add(PeerHeader, peer);
        request.Headers.Add("X-Admin-Key", key);
        return client.SendAsync(request);
    }
}
