namespace Uni.Authorize;

/// <summary>Shows the consent dialog and returns the user's answer. Only the user answers: an implementation
/// must never decide by itself. The engine calls it at most once at a time per user.</summary>
public interface IAuthorizationPrompter
{
    /// <summary>Asks the user about every scope of <paramref name="request"/> in one dialog.</summary>
    /// <param name="request">Who is asked, on which platform, for which scopes.</param>
    /// <param name="cancellationToken">Cancelled when the prompt times out or every caller stopped waiting: close the dialog.</param>
    ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken);
}

/// <summary>What the consent dialog asks.</summary>
/// <param name="Subject">The app asking and the user asked.</param>
/// <param name="Platform">The platform whose wording applies.</param>
/// <param name="Scopes">The undetermined scopes, all in one dialog.</param>
public sealed record PromptRequest(Subject Subject, Platform Platform, IReadOnlyList<ScopeDefinition> Scopes)
{
    internal static readonly IReadOnlyDictionary<string, string> NoPurposes = System.Collections.Frozen.FrozenDictionary<string, string>.Empty;

    /// <summary>The purposes the app declared for the asked scopes, in its own words, keyed by canonical scope name:
    /// the dialog shows each beside its scope. Empty when the app has no manifest.</summary>
    public IReadOnlyDictionary<string, string> Purposes { get; init; } = NoPurposes;

    /// <summary>Whether the dialog may offer "allow while using": every asked scope is a location scope.</summary>
    public bool OffersWhileUsing => Scopes.Count > 0 && Scopes.All(s => Authorizer.IsLocation(s.Name));

    /// <summary>Whether the dialog offers Alipay's "保持以上选择，不再询问" (don't ask again) box: an Alipay device
    /// permission (location, album, camera) is asked; without the box ticked Alipay keeps no refusal.</summary>
    public bool OffersDontAskAgain => Platform == Platform.Alipay && Scopes.Any(s => s.Platforms.TryGetValue(Platform.Alipay, out var rule) && ResolvedScope.IsDevicePermission(rule));
}

/// <summary>The user's answer to one scope of a dialog.</summary>
public enum PromptAnswer
{
    /// <summary>Closed without choosing: the scope stays undetermined.</summary>
    Dismissed = 0,

    /// <summary>Allowed.</summary>
    Allow = 1,

    /// <summary>Refused. Kept on every platform but Alipay, where a plain refusal is asked again on the next call.</summary>
    Deny = 2,

    /// <summary>Allowed for the call that asked only: the next call asks again.</summary>
    AllowOnce = 3,

    /// <summary>Allowed while the app is in use: until the user's mini-app session ends. Offered for location scopes
    /// (<see cref="PromptRequest.OffersWhileUsing"/>); for another scope the answer fails the call as a prompt failure.</summary>
    AllowWhileUsing = 4,

    /// <summary>Refused with Alipay's "保持以上选择，不再询问" (don't ask again) ticked: kept, and later calls fail at once.
    /// Alipay offers the box for its device permissions; elsewhere, and for Alipay's <c>getAuthCode</c> scopes, it is
    /// the same as <see cref="Deny"/>.</summary>
    DenyDontAskAgain = 5,
}

/// <summary>The user's answers to a dialog.</summary>
public sealed class PromptResult
{
    private readonly PromptAnswer _all;
    private readonly IReadOnlyDictionary<string, PromptAnswer>? _perScope;

    private PromptResult(PromptAnswer all, IReadOnlyDictionary<string, PromptAnswer>? perScope) => (_all, _perScope) = (all, perScope);

    /// <summary>Every scope allowed.</summary>
    public static PromptResult Allow { get; } = new(PromptAnswer.Allow, null);

    /// <summary>Every scope allowed for this call only.</summary>
    public static PromptResult AllowOnce { get; } = new(PromptAnswer.AllowOnce, null);

    /// <summary>Every scope allowed until the mini-app session ends (location scopes only).</summary>
    public static PromptResult AllowWhileUsing { get; } = new(PromptAnswer.AllowWhileUsing, null);

    /// <summary>Every scope refused.</summary>
    public static PromptResult Deny { get; } = new(PromptAnswer.Deny, null);

    /// <summary>Every scope refused with "don't ask again" ticked (Alipay).</summary>
    public static PromptResult DenyDontAskAgain { get; } = new(PromptAnswer.DenyDontAskAgain, null);

    /// <summary>The dialog was closed without a choice.</summary>
    public static PromptResult Dismissed { get; } = new(PromptAnswer.Dismissed, null);

    /// <summary>One answer per scope, keyed by the canonical name (<c>scope.writePhotosAlbum</c>) or the dialog's
    /// platform's own name (<c>scope.album</c>, <c>auth_user</c>); a scope left out counts as dismissed.</summary>
    /// <exception cref="ArgumentException">A key names no scope of any platform; the message names the key.</exception>
    public static PromptResult PerScope(IReadOnlyDictionary<string, PromptAnswer> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        foreach (var key in answers.Keys)
        {
            if (!IsScopeName(key))
            {
                throw new ArgumentException(
                    $"\"{key}\" is not a scope name: key an answer by the canonical scope name (scope.writePhotosAlbum) or the platform's own (scope.album, auth_user).",
                    nameof(answers));
            }
        }

        return new(PromptAnswer.Dismissed, answers);
    }

    /// <summary>The answer for one canonical scope name.</summary>
    public PromptAnswer AnswerFor(string scope) =>
        _perScope is null ? _all : _perScope.TryGetValue(scope, out var answer) ? answer : PromptAnswer.Dismissed;

    /// <summary>The answers keyed by canonical names, a platform's own names mapped on <paramref name="platform"/>.</summary>
    /// <exception cref="ArgumentException">A key names no scope on <paramref name="platform"/>, or two keys name one scope.</exception>
    internal PromptResult ForPlatform(Platform platform)
    {
        if (_perScope is null)
        {
            return this;
        }

        Dictionary<string, PromptAnswer>? mapped = null;
        foreach (var (key, answer) in _perScope)
        {
            string canonical;
            if (ScopeCatalog.TryResolve(platform, key, out ResolvedScope resolved))
            {
                canonical = resolved.Scope.Name;
            }
            else if (ScopeCatalog.TryGet(key, out _) || key == ScopeCatalog.PrivacyAgreement.Name)
            {
                canonical = key;
            }
            else
            {
                throw new ArgumentException($"The prompter answered \"{key}\", which is not a scope on {platform}.", nameof(platform));
            }

            mapped ??= new(StringComparer.Ordinal);
            if (!mapped.TryAdd(canonical, answer))
            {
                throw new ArgumentException($"The prompter answered {canonical} twice (\"{key}\" names it too).", nameof(platform));
            }
        }

        return mapped is null ? this : new(PromptAnswer.Dismissed, mapped);
    }

    private static bool IsScopeName(string key)
    {
        if (key is null)
        {
            return false;
        }

        if (ScopeCatalog.TryGet(key, out _) || key == ScopeCatalog.PrivacyAgreement.Name)
        {
            return true;
        }

        foreach (var platform in Enum.GetValues<Platform>())
        {
            if (ScopeCatalog.TryResolve(platform, key, out ResolvedScope _))
            {
                return true;
            }
        }

        return false;
    }
}
