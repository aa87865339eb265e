namespace Uni.Authorize;

/// <summary>A scope as one platform sees it, with the outcomes that never change cached, so that a granted
/// or denied call allocates nothing.</summary>
internal sealed class ResolvedScope(ScopeDefinition scope, PlatformScope rule)
{
    private AuthorizeResult? _granted;
    private AuthorizeError? _denied;

    public ScopeDefinition Scope { get; } = scope;

    public PlatformScope Rule { get; } = rule;

    /// <summary>Whether a stored grant is the whole answer: a dialog scope with no auth code to issue.</summary>
    public bool IsPlainDialog => Rule.PromptMode == ScopePromptMode.Dialog && !Rule.IssuesAuthCode;

    public AuthorizeResult Granted => _granted ??= NativePayloads.Success(Rule.Platform, AuthorizeApi, [this], null, NativePayloads.NoErrorScopes);

    public AuthorizeError Denied => _denied ??= DeniedError(Rule.Platform, AuthorizeApi, this);

    public const string AuthorizeApi = "authorize";

    /// <summary>Whether <paramref name="rule"/> is one of Alipay's device permissions (location, album, camera): asked by
    /// its API, never by <c>getAuthCode</c>, with the "don't ask again" box.</summary>
    public static bool IsDevicePermission(PlatformScope rule) =>
        rule.Platform == Platform.Alipay && !rule.IssuesAuthCode && rule.PromptMode == ScopePromptMode.Dialog;

    /// <summary>The failure of a refusal the user made before (the one a stored denial answers with).</summary>
    public static AuthorizeError DeniedError(Platform platform, string api, ResolvedScope scope) => DeniedError(platform, api, scope, Refusal.Earlier);

    public static AuthorizeError DeniedError(Platform platform, string api, ResolvedScope scope, Refusal refusal)
    {
        if (platform != Platform.Alipay)
        {
            return NativePayloads.Failure(platform, api, AuthorizeErrorCode.Denied, $"The user denied {scope.Scope.Name}.");
        }

        var (error, message) = NativePayloads.AlipayRefusal(scope, refusal);
        return NativePayloads.Failure(platform, api, AuthorizeErrorCode.Denied, $"The user denied {scope.Scope.Name}.",
            new Dictionary<string, int>(StringComparer.Ordinal) { [scope.Rule.NativeName] = error }, alipayError: (error, message));
    }

    public static IReadOnlyDictionary<string, int> AlipayErrorScopes(ResolvedScope scope, AuthorizeErrorCode code) =>
        new Dictionary<string, int>(StringComparer.Ordinal) { [scope.Rule.NativeName] = NativePayloads.AlipayError(code).Error };
}
