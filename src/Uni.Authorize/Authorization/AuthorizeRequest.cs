namespace Uni.Authorize;

/// <summary>One authorize call. A value: building one allocates nothing.</summary>
public readonly record struct AuthorizeRequest
{
    /// <summary>Asks for one scope.</summary>
    public AuthorizeRequest(string? scope) => Scope = scope;

    /// <summary>Asks for several scopes at once (Alipay's <c>scopes</c> array).</summary>
    public AuthorizeRequest(IReadOnlyList<string>? scopes) => Scopes = scopes;

    /// <summary>The scope, canonical or in the platform's own name (<c>scope.album</c> on ByteDance, <c>auth_user</c> on Alipay).</summary>
    public string? Scope { get; init; }

    /// <summary>Several scopes, for Alipay; other platforms take one scope per call.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Whose decision it is; <see langword="null"/> for the authorizer's default subject.</summary>
    public Subject? Subject { get; init; }

    /// <summary>The platform; <see langword="null"/> for the authorizer's platform.</summary>
    public Platform? Platform { get; init; }

    /// <summary>Whether the app declared a privacy contract: scopes that need the agreement then fail with
    /// <see cref="AuthorizeErrorCode.PrivacyNotAuthorized"/> until the user agreed (WeChat <c>errno 104</c>).</summary>
    public bool RequiresPrivacyAgreement { get; init; }

    /// <summary>When the caller's mini-app session ends, if known: an "allow while using" answer given to this call
    /// lasts until then at most (and until <see cref="DecisionManager.EndSessionAsync"/> in any case).</summary>
    public DateTimeOffset? SessionEndsAt { get; init; }
}

/// <summary>The seed's callback form: <c>Success</c> or <c>Fail</c>, then <c>Complete</c>, each exactly once.</summary>
public sealed class AuthorizeCallbackRequest
{
    /// <summary>The scope to ask for.</summary>
    public string? Scope { get; set; }

    /// <summary>Several scopes, for Alipay.</summary>
    public IReadOnlyList<string>? Scopes { get; set; }

    /// <summary>Whose decision it is; <see langword="null"/> for the default subject.</summary>
    public Subject? Subject { get; set; }

    /// <summary>The platform; <see langword="null"/> for the authorizer's platform.</summary>
    public Platform? Platform { get; set; }

    /// <summary>Whether the app declared a privacy contract the user must agree to first.</summary>
    public bool RequiresPrivacyAgreement { get; set; }

    /// <summary>Called with the success payload.</summary>
    public Action<AuthorizeResult>? Success { get; set; }

    /// <summary>Called with the failure.</summary>
    public Action<AuthorizeError>? Fail { get; set; }

    /// <summary>Called last, with either.</summary>
    public Action<AuthorizeOutcome>? Complete { get; set; }

    /// <summary>Ends this call's wait (reported through <c>Fail</c> as <see cref="AuthorizeErrorCode.Canceled"/>).</summary>
    public CancellationToken CancellationToken { get; set; }

    internal AuthorizeRequest ToRequest() =>
        new() { Scope = Scope, Scopes = Scopes, Subject = Subject, Platform = Platform, RequiresPrivacyAgreement = RequiresPrivacyAgreement };
}
