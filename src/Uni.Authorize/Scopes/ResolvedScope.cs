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

    public static AuthorizeError DeniedError(Platform platform, string api, ResolvedScope scope) =>
        NativePayloads.Failure(platform, api, AuthorizeErrorCode.Denied, $"The user denied {scope.Scope.Name}.",
            platform == Platform.Alipay ? AlipayErrorScopes(scope, AuthorizeErrorCode.Denied) : null);

    public static IReadOnlyDictionary<string, int> AlipayErrorScopes(ResolvedScope scope, AuthorizeErrorCode code) =>
        new Dictionary<string, int>(StringComparer.Ordinal) { [scope.Rule.NativeName] = NativePayloads.AlipayError(code).Error };
}
