using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// The data behind the user-info APIs and WeChat's <c>getWeRunData</c>, in the calling app's platform shape (without
/// <c>errMsg</c>, which the bridge adds). The bridge asks the API's gate first; this endpoint repeats the gate's answer
/// without asking, so nothing leaves for an app the user did not grant. Signatures and encryption use the session key
/// the app's server got from its last code exchange, so that server checks them as it would on the platform.
/// </summary>
internal static class UserInfoEndpoints
{
    public const int MaxStepEntries = 31;
    public const int MaxSteps = 1_000_000;

    // What WeChat's getUserInfo / getUserProfile give every mini-app since its 2022 change: the grey avatar and "微信用户".
    private const string WeChatAnonymousName = "微信用户";
    private const string WeChatAnonymousAvatar =
        "https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132";

    private static readonly string[] DataScopes = ["scope.userInfo", "scope.werun"];

    // Alipay's open API answer without an authorization relation (my.getOpenUserInfo reference, error 40003).
    private const string AlipayNoAuthorization =
        """{"response":{"code":"40003","msg":"Insufficient Conditions","subCode":"isv.invalid-auth-relations","subMsg":"无效的授权关系"}}""";

    public static void Map(IEndpointRouteBuilder group) =>
        group.MapPost("/apis/{api}/data", GetDataAsync).Accepts<ApiDataBody>("application/json").Produces<CallResponse>();

    /// <summary>The APIs whose data the host answers on <paramref name="platform"/>; the bridge reads them from the session.</summary>
    public static IReadOnlyList<string> Apis(Platform platform) => platform switch
    {
        Platform.WeChat => ["getUserInfo", "getUserProfile", "getWeRunData"],
        Platform.ByteDance => ["getUserInfo", "getUserProfile"],
        Platform.Baidu or Platform.Kuaishou => ["getUserInfo"],
        Platform.Alipay => ["getOpenUserInfo", "getAuthUserInfo"],
        _ => [],
    };

    /// <summary>Whether the host answers <paramref name="api"/>'s data on <paramref name="platform"/>.</summary>
    public static bool Serves(Platform platform, string api) => Apis(platform).Contains(api);

    private static async Task<IResult> GetDataAsync(HttpContext context, string api, SessionContext session, Authorizer authorizer,
        HostIdentities identities, Pseudonyms pseudonyms, TimeProvider time, IOptions<UniAuthorizeHostOptions> options)
    {
        var platform = session.App.Platform;
        if (!Serves(platform, api))
        {
            return Problems.NotFound("unknown_api", $"The host holds no data for '{api}' on {PlatformNames.Of(platform)}.");
        }

        var (body, problem) = await JsonBody.ReadAsync(context, HostJson.Default.ApiDataBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var ct = context.RequestAborted;
        if (ScopeOf(platform, api) is { } scope)
        {
            if (!await GrantedAsync(authorizer, session, scope, ct).ConfigureAwait(false))
            {
                return Problems.Forbidden("not_granted", $"'{api}' needs {scope}, which the user has not granted: call the API's gate first.");
            }
        }

        // WeChat's gate asks for the privacy agreement first, for the APIs without a scope too.
        if (platform == Platform.WeChat && PrivacyEndpoints.RequiresAgreement(options.Value, session)
            && await authorizer.GetPrivacyAgreementAsync(session.Subject, ct).ConfigureAwait(false) != DecisionState.Granted)
        {
            return Problems.Forbidden("privacy_not_agreed",
                $"'{api}' needs the user's agreement to the app's privacy contract: call the API's gate first.");
        }

        // Alipay's getOpenUserInfo asks nothing: without the user's authorization (auth_user through getAuthCode or the
        // getAuthorize button) it succeeds with the gateway's 40003 response, which the page reads, not a fail callback.
        if (platform == Platform.Alipay && !await GrantedAsync(authorizer, session, "scope.userInfo", ct).ConfigureAwait(false))
        {
            return Ok(platform, new() { ["response"] = AlipayNoAuthorization });
        }

        var store = identities.Store;
        var userId = session.Subject.UserId;
        if (api == "getWeRunData")
        {
            return await WeRunAsync(body, session, store, context.RequestServices.GetService<IWeRunStepProvider>(), time, ct).ConfigureAwait(false);
        }

        var profile = await ProfileRules.EffectiveAsync(store, userId, ct).ConfigureAwait(false);
        if (profile is null)
        {
            return Problems.NotFound("unknown_user", "The session's user no longer exists.");
        }

        if (api == "getAuthUserInfo")
        {
            // my.getAuthUserInfo answers the fields themselves, after the user granted auth_user.
            return Ok(platform, new() { ["nickName"] = profile.NickName, ["avatar"] = profile.AvatarUrl ?? string.Empty });
        }

        if (platform == Platform.Alipay)
        {
            var response = new Dictionary<string, object?>
            {
                ["response"] = new Dictionary<string, object?>
                {
                    ["code"] = "10000", ["msg"] = "Success", ["nickName"] = profile.NickName, ["avatar"] = profile.AvatarUrl ?? string.Empty,
                },
            };
            return Ok(platform, new() { ["response"] = SessionKeyCrypto.ToJson(response) });
        }

        if (platform == Platform.Baidu)
        {
            return await BaiduAsync(profile, session, store, pseudonyms, ct).ConfigureAwait(false);
        }

        var userInfo = platform == Platform.WeChat
            ? new Dictionary<string, object?>
            {
                ["nickName"] = WeChatAnonymousName, ["gender"] = 0, ["language"] = string.Empty, ["city"] = string.Empty,
                ["province"] = string.Empty, ["country"] = string.Empty, ["avatarUrl"] = WeChatAnonymousAvatar,
            }
            : new Dictionary<string, object?>
            {
                ["nickName"] = profile.NickName, ["avatarUrl"] = profile.AvatarUrl ?? string.Empty, ["gender"] = 0,
                ["city"] = string.Empty, ["province"] = string.Empty, ["country"] = string.Empty, ["language"] = string.Empty,
            };
        var payload = new Dictionary<string, object?> { ["userInfo"] = userInfo };
        if (platform == Platform.Kuaishou)
        {
            return Ok(platform, payload);
        }

        var rawData = SessionKeyCrypto.ToJson(userInfo);
        payload["rawData"] = rawData;
        if (body.WithCredentials == false)
        {
            return Ok(platform, payload);
        }

        // WeChat has a session key from the session's start, so its user info needs no wx.login first; ByteDance's
        // needs tt.login.
        var sessionKey = platform == Platform.WeChat
            ? await SecretBound.CurrentSessionKeyAsync(store, session.App, userId, ct).ConfigureAwait(false)
            : await SecretBound.SessionKeyAsync(store, session.App.Id, userId, ct).ConfigureAwait(false);
        if (sessionKey is null)
        {
            return LoginRequired(platform, api);
        }

        // WeChat's getUserProfile seals no openId / unionId (since 2022; its api-typings), getUserInfo still does.
        var withIds = !(platform == Platform.WeChat && api == "getUserProfile");
        var plain = new Dictionary<string, object?>();
        if (withIds)
        {
            plain["openId"] = platform == Platform.WeChat
                ? await pseudonyms.OpenIdAsync(session.App.Id, userId, ct).ConfigureAwait(false)
                : await pseudonyms.ByteDanceOpenIdAsync(session.App.Id, userId, ct).ConfigureAwait(false);
        }

        foreach (var (key, value) in userInfo)
        {
            plain[key] = value;
        }

        if (withIds)
        {
            plain["unionId"] = await pseudonyms.UnionIdAsync(userId, ct).ConfigureAwait(false);
        }
        var (encryptedData, iv) = SessionKeyCrypto.Encrypt(plain, session.App.Id, time.GetUtcNow(), sessionKey);
        payload["signature"] = SessionKeyCrypto.Sign(rawData, sessionKey);
        payload["encryptedData"] = encryptedData;
        payload["iv"] = iv;
        return Ok(platform, payload);
    }

    // Baidu's getUserInfo: nickName, avatarUrl and gender in the clear, and the same profile with the app's openid in
    // Baidu's own names (openid, nickname, headimgurl, sex) sealed in data for the app's server.
    private static async Task<IResult> BaiduAsync(
        HostProfile profile, SessionContext session, IIdentityStore store, Pseudonyms pseudonyms, CancellationToken ct)
    {
        var (appId, userId) = (session.App.Id, session.Subject.UserId);
        var sessionKey = await SecretBound.SessionKeyAsync(store, appId, userId, ct).ConfigureAwait(false);
        if (sessionKey is null)
        {
            return LoginRequired(Platform.Baidu, "getUserInfo");
        }

        var avatar = profile.AvatarUrl ?? string.Empty;
        var sealedData = new Dictionary<string, object?>
        {
            ["openid"] = await pseudonyms.BaiduOpenIdAsync(appId, userId, ct).ConfigureAwait(false),
            ["nickname"] = profile.NickName, ["headimgurl"] = avatar, ["sex"] = 0,
        };
        var (data, iv) = SessionKeyCrypto.EncryptBaidu(sealedData, appId, sessionKey);
        return Ok(Platform.Baidu, new()
        {
            ["userInfo"] = new Dictionary<string, object?> { ["nickName"] = profile.NickName, ["avatarUrl"] = avatar, ["gender"] = 0 },
            ["data"] = data,
            ["iv"] = iv,
        });
    }

    // Only the operator's trusted provider says how far the user walked: steps a caller sends would decrypt and verify
    // as the platform's on the app's server, so they are refused, and without a provider the API is not supported.
    private static async Task<IResult> WeRunAsync(
        ApiDataBody body, SessionContext session, IIdentityStore store, IWeRunStepProvider? provider, TimeProvider time, CancellationToken ct)
    {
        if (body.StepInfoList is not null)
        {
            return Problems.BadRequest("steps_not_accepted",
                "'stepInfoList' is not accepted: the host seals only the steps of the step provider its operator registered.");
        }

        if (provider is null)
        {
            return Fail(Platform.WeChat, new() { ["errMsg"] = "getWeRunData:fail not supported" });
        }

        var sessionKey = await SecretBound.SessionKeyAsync(store, session.App.Id, session.Subject.UserId, ct).ConfigureAwait(false);
        if (sessionKey is null)
        {
            return LoginRequired(Platform.WeChat, "getWeRunData");
        }

        var steps = await provider.GetStepsAsync(new WeRunStepRequest(session.App.Id, session.Subject.UserId), ct).ConfigureAwait(false);
        if (steps is not { Count: <= MaxStepEntries } || steps.Any(s => s is not { Step: >= 0 and <= MaxSteps } || s.Timestamp.ToUnixTimeSeconds() < 0))
        {
            throw new InvalidOperationException(
                $"The IWeRunStepProvider answered more than {MaxStepEntries} days, or a day before 1970 or outside 0 to {MaxSteps} steps.");
        }

        var data = new Dictionary<string, object?>
        {
            ["stepInfoList"] = steps
                .Select(s => (object?)new Dictionary<string, object?> { ["timestamp"] = s.Timestamp.ToUnixTimeSeconds(), ["step"] = s.Step })
                .ToList(),
        };
        var (encryptedData, iv) = SessionKeyCrypto.Encrypt(data, session.App.Id, time.GetUtcNow(), sessionKey);
        return Ok(Platform.WeChat, new() { ["encryptedData"] = encryptedData, ["iv"] = iv });
    }

    private static async ValueTask<bool> GrantedAsync(Authorizer authorizer, SessionContext session, string scope, CancellationToken ct) =>
        (await authorizer.GetSettingAsync(session.Subject, session.App.Platform, ct).ConfigureAwait(false))
            .Decisions.Any(d => d.Scope == scope && d.State == DecisionState.Granted);

    private static string? ScopeOf(Platform platform, string api) =>
        DataScopes.FirstOrDefault(s => ScopeCatalog.TryGet(s, out var scope) && ScopeCatalog.NativeApis(scope, platform).Contains(api));

    private static IResult Ok(Platform platform, Dictionary<string, object?> native) =>
        TypedResults.Json(new CallResponse("ok", PlatformNames.Of(platform)) { Native = native }, HostJson.Default.CallResponse);

    private static IResult Fail(Platform platform, Dictionary<string, object?> native) =>
        TypedResults.Json(new CallResponse("fail", PlatformNames.Of(platform)) { Native = native }, HostJson.Default.CallResponse);

    // No code exchange yet, so no session key to sign with: the app must log in (and its server exchange the code) first.
    private static IResult LoginRequired(Platform platform, string api)
    {
        var errMsg = api + ":fail please login";
        var native = platform == Platform.Baidu
            ? new Dictionary<string, object?> { ["errCode"] = 10008, ["errMsg"] = errMsg }
            : new Dictionary<string, object?> { ["errMsg"] = errMsg };
        if (platform == Platform.ByteDance)
        {
            native["errNo"] = "10206";
        }

        return Fail(platform, native);
    }
}
