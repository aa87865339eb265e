using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uni.Authorize.AspNetCore;

// The HTTP API's JSON shapes. Requests reject unknown fields; responses omit null fields.

internal sealed record AuthorizeBody(string? Scope, string[]? Scopes);

internal sealed record ApiGateBody(string? Api);

internal sealed record SignInBody(string? Name);

internal sealed record ConsentAnswerBody(string? Answer, Dictionary<string, string>? Scopes)
{
    /// <summary>Alipay's "保持以上选择，不再询问" box: a refusal with it ticked is kept (<c>2003</c>, then <c>2002</c>).</summary>
    public bool? DontAskAgain { get; init; }
}

internal sealed record SettingChangeBody(string? Scope, string? State);

internal sealed record CreateAppBody(string? Id, string? Name, string? Platform, string? IconLetter);

internal sealed record CreateUserBody(string? Name);

internal sealed record CreateSessionBody(string? AppId, string? UserId, int? LifetimeSeconds);

internal sealed record RevokeSessionBody(string? Token);

internal sealed record ProfileBody(string? NickName, string? AvatarUrl);

/// <summary>What the bridge passes on to the data of a user-info API. <c>stepInfoList</c> is read only to be refused:
/// the steps <c>getWeRunData</c> seals come from the operator's step provider.</summary>
internal sealed record ApiDataBody(bool? WithCredentials, System.Text.Json.JsonElement? StepInfoList);

internal sealed record CallError(string Code, string Message);

/// <summary>The answer to authorize, the API gate and a pending call: <c>ok</c>, <c>fail</c> or <c>pending</c>.</summary>
internal sealed record CallResponse(string Status, string Platform)
{
    public string? ErrMsg { get; init; }

    public IReadOnlyList<string>? Scopes { get; init; }

    public string? AuthCode { get; init; }

    public CallError? Error { get; init; }

    [JsonConverter(typeof(NativePayloadConverter))]
    public IReadOnlyDictionary<string, object?>? Native { get; init; }

    public string? CallId { get; init; }

    public string? PollUrl { get; init; }

    public string? EventsUrl { get; init; }

    public string? ConsentUrl { get; init; }
}

internal sealed record SettingResponse(string Platform, IReadOnlyDictionary<string, bool> AuthSetting)
{
    [JsonConverter(typeof(NativePayloadConverter))]
    public IReadOnlyDictionary<string, object?>? Native { get; init; }

    public string? SettingsUrl { get; init; }
}

internal sealed record LoginResponse(string Code, string ErrMsg, DateTimeOffset ExpiresAt)
{
    /// <summary>ByteDance's <c>anonymousCode</c>: a second single-use code, exchanged for the <c>anonymous_openid</c>.</summary>
    public string? AnonymousCode { get; init; }
}

internal sealed record SessionInfo(string AppId, string AppName, string Platform, DateTimeOffset ExpiresAt)
{
    /// <summary>The APIs whose data the host answers for the session's platform (<c>POST /apis/{api}/data</c>).</summary>
    public IReadOnlyList<string> DataApis { get; init; } = [];
}

internal sealed record ScopeInfo(string Name, string NativeName, string DescriptionZh, string DescriptionEn, IReadOnlyList<string> Apis,
    string PromptMode, string? SettingKey, bool IssuesAuthCode)
{
    /// <summary>The APIs that ask for the scope on this platform, under the platform's own names.</summary>
    public IReadOnlyList<string> NativeApis { get; init; } = [];

    /// <summary>In a consent: the purpose the app declared for the scope, in its own words; absent when it declared none.</summary>
    public string? Purpose { get; init; }
}

internal sealed record CatalogResponse(string Platform, IReadOnlyList<ScopeInfo> Scopes)
{
    /// <summary>The global the platform's mini-apps call (<c>wx</c>, <c>my</c>…).</summary>
    public string? Global { get; init; }

    public string? NameZh { get; init; }

    public string? NameEn { get; init; }

    public string? Color { get; init; }

    /// <summary>The call that asks for scopes and the option that names them.</summary>
    public AuthorizeCall? Authorize { get; init; }

    /// <summary>Every API the platform knows under its own name, with its scope and kind.</summary>
    public IReadOnlyList<ApiInfo> Apis { get; init; } = [];

    /// <summary>The failures the bridge builds itself (timeout, cancel…), in the platform's shape.</summary>
    public IReadOnlyDictionary<string, FailureInfo> Failures { get; init; } = new Dictionary<string, FailureInfo>();
}

internal sealed record UserInfo(string Id, string Name);

internal sealed record ProfileInfo(string NickName, string? AvatarUrl);

internal sealed record AntiforgeryInfo(string Token, string HeaderName);

internal sealed record AppInfo(string Id, string Name, string Platform)
{
    /// <summary>The letter drawn as the app's icon; <see langword="null"/> for an app the host no longer knows.</summary>
    public string? IconLetter { get; init; }
}

internal sealed record ConsentInfo(string Id, AppInfo App, IReadOnlyList<ScopeInfo> Scopes, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>Whether the dialog offers "allow while using" (every asked scope is a location scope).</summary>
    public bool OffersWhileUsing { get; init; }

    /// <summary>Whether the dialog offers Alipay's "don't ask again" box (an Alipay device permission is asked).</summary>
    public bool OffersDontAskAgain { get; init; }
}

internal sealed record ConsentList(IReadOnlyList<ConsentInfo> Consents);

internal sealed record SettingsEntryInfo(string Scope, string Key, string State, string DescriptionZh, string DescriptionEn)
{
    /// <summary><c>standing</c>, or <c>whileUsing</c> for a grant that ends with the mini-app session.</summary>
    public string Lifetime { get; init; } = "standing";
}

internal sealed record AppSettings(AppInfo App, IReadOnlyList<SettingsEntryInfo> Entries);

internal sealed record AppList(IReadOnlyList<AppInfo> Apps);

internal sealed record CreatedApp(string Id, string Name, string Platform, string Secret, string IconLetter);

internal sealed record IssuedSession(string Token, string AppId, string UserId, DateTimeOffset ExpiresAt)
{
    /// <summary>On a launch by the user: the sandbox document where the mini-app's code runs (never on the host's origin).</summary>
    public string? SandboxUrl { get; init; }
}

internal sealed record DecisionInfo(string Scope, string State, string Source, DateTimeOffset DecidedAt, DateTimeOffset? ExpiresAt);

internal sealed record AuditEntryInfo(string Scope, string From, string To, string Source, DateTimeOffset At);

internal sealed record AppData(AppInfo App, IReadOnlyList<DecisionInfo> Decisions, IReadOnlyList<AuditEntryInfo> Audit, IReadOnlyList<AccessUseData> Access);

/// <summary>One use of a gated API in the data export; the scope is empty for APIs the platform runs without asking.</summary>
internal sealed record AccessUseData(string Scope, string Api, DateTimeOffset At);

internal sealed record SessionData(string AppId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

internal sealed record UserProfileData(string Id, string Name, DateTimeOffset CreatedAt)
{
    /// <summary>What the user shows apps, when they set it.</summary>
    public ProfileInfo? AppProfile { get; init; }
}

internal sealed record UserDataExport(DateTimeOffset ExportedAt, string UserId, UserProfileData? Profile, IReadOnlyList<AppData> Apps,
    IReadOnlyList<SessionData> Sessions);

internal sealed record ScopeHistory(string Scope, DecisionInfo? Decision, IReadOnlyList<AuditEntryInfo> History);

internal sealed record AppHistory(AppInfo App, IReadOnlyList<ScopeHistory> Scopes);

internal sealed record UserErasureInfo(bool Profile, int Sessions, int AuthCodes, int Consents, int Decisions, int AuditEntriesKept, int AccessRecords);

internal sealed record WeChatSessionResponse
{
    [JsonPropertyName("openid")]
    public string? OpenId { get; init; }

    [JsonPropertyName("session_key")]
    public string? SessionKey { get; init; }

    [JsonPropertyName("unionid")]
    public string? UnionId { get; init; }

    [JsonPropertyName("errcode")]
    public int ErrCode { get; init; }

    [JsonPropertyName("errmsg")]
    public string ErrMsg { get; init; } = "ok";
}

internal sealed record AlipayTokenResponse
{
    [JsonPropertyName("alipay_system_oauth_token_response")]
    public AlipayToken? Token { get; init; }

    [JsonPropertyName("error_response")]
    public AlipayErrorResponse? Error { get; init; }
}

internal sealed record AlipayToken(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("open_id")] string OpenId,
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("refresh_token")] string RefreshToken,
    [property: JsonPropertyName("re_expires_in")] int ReExpiresIn,
    [property: JsonPropertyName("auth_start")] string AuthStart);

internal sealed record AlipayErrorResponse(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("msg")] string Msg,
    [property: JsonPropertyName("sub_code")] string SubCode,
    [property: JsonPropertyName("sub_msg")] string SubMsg);

internal sealed record ZhimaCreditResponse
{
    [JsonPropertyName("zhima_credit_score_brief_get_response")]
    public ZhimaCreditBody? Brief { get; init; }
}

// Alipay answers success and failure in the same member: code 10000 with the result, or code, msg, sub_code, sub_msg.
internal sealed record ZhimaCreditBody(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("msg")] string Msg)
{
    [JsonPropertyName("sub_code")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SubCode { get; init; }

    [JsonPropertyName("sub_msg")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SubMsg { get; init; }

    [JsonPropertyName("biz_no")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BizNo { get; init; }

    [JsonPropertyName("is_admittance")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IsAdmittance { get; init; }
}

internal sealed record ByteDanceSessionResponse
{
    [JsonPropertyName("err_no")]
    public int ErrNo { get; init; }

    [JsonPropertyName("err_tips")]
    public string ErrTips { get; init; } = "success";

    /// <summary>The request's trace identifier, which the host's logs carry too (ByteDance's request id for support).</summary>
    [JsonPropertyName("log_id")]
    public string? LogId { get; init; }

    [JsonPropertyName("data")]
    public ByteDanceSession? Data { get; init; }
}

internal sealed record ByteDanceSession(
    [property: JsonPropertyName("session_key")] string SessionKey,
    [property: JsonPropertyName("openid")] string OpenId,
    [property: JsonPropertyName("anonymous_openid")] string AnonymousOpenId,
    [property: JsonPropertyName("unionid")] string UnionId);

internal sealed record BaiduSessionResponse
{
    [JsonPropertyName("openid")]
    public string? OpenId { get; init; }

    [JsonPropertyName("session_key")]
    public string? SessionKey { get; init; }

    [JsonPropertyName("errno")]
    public int? ErrNo { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("error_description")]
    public string? ErrorDescription { get; init; }
}

internal sealed record KuaishouSessionResponse
{
    [JsonPropertyName("result")]
    public int Result { get; init; } = 1;

    [JsonPropertyName("error_msg")]
    public string? ErrorMsg { get; init; }

    [JsonPropertyName("session_key")]
    public string? SessionKey { get; init; }

    [JsonPropertyName("open_id")]
    public string? OpenId { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuthorizeBody))]
[JsonSerializable(typeof(CallRequest))]
[JsonSerializable(typeof(ApiGateBody))]
[JsonSerializable(typeof(SignInBody))]
[JsonSerializable(typeof(ConsentAnswerBody))]
[JsonSerializable(typeof(SettingChangeBody))]
[JsonSerializable(typeof(CreateAppBody))]
[JsonSerializable(typeof(CreateUserBody))]
[JsonSerializable(typeof(CreateSessionBody))]
[JsonSerializable(typeof(RevokeSessionBody))]
[JsonSerializable(typeof(CallResponse))]
[JsonSerializable(typeof(SettingResponse))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(CatalogResponse))]
[JsonSerializable(typeof(IReadOnlyList<CatalogResponse>))]
[JsonSerializable(typeof(UserInfo))]
[JsonSerializable(typeof(ProfileBody))]
[JsonSerializable(typeof(ProfileInfo))]
[JsonSerializable(typeof(ApiDataBody))]
[JsonSerializable(typeof(AntiforgeryInfo))]
[JsonSerializable(typeof(ConsentList))]
[JsonSerializable(typeof(ConsentInfo))]
[JsonSerializable(typeof(AppSettings))]
[JsonSerializable(typeof(AppList))]
[JsonSerializable(typeof(AppInfo))]
[JsonSerializable(typeof(CreatedApp))]
[JsonSerializable(typeof(IssuedSession))]
[JsonSerializable(typeof(UserDataExport))]
[JsonSerializable(typeof(AppHistory))]
[JsonSerializable(typeof(UserErasureInfo))]
[JsonSerializable(typeof(WeChatSessionResponse))]
[JsonSerializable(typeof(AlipayTokenResponse))]
[JsonSerializable(typeof(ZhimaCreditResponse))]
[JsonSerializable(typeof(ByteDanceSessionResponse))]
[JsonSerializable(typeof(BaiduSessionResponse))]
[JsonSerializable(typeof(KuaishouSessionResponse))]
internal sealed partial class HostJson : JsonSerializerContext;
