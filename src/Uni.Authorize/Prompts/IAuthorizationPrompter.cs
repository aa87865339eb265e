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
public sealed record PromptRequest(Subject Subject, Platform Platform, IReadOnlyList<ScopeDefinition> Scopes);

/// <summary>The user's answer to one scope of a dialog.</summary>
public enum PromptAnswer
{
    /// <summary>Closed without choosing: the scope stays undetermined.</summary>
    Dismissed = 0,

    /// <summary>Allowed.</summary>
    Allow = 1,

    /// <summary>Refused.</summary>
    Deny = 2,
}

/// <summary>The user's answers to a dialog.</summary>
public sealed class PromptResult
{
    private readonly PromptAnswer _all;
    private readonly IReadOnlyDictionary<string, PromptAnswer>? _perScope;

    private PromptResult(PromptAnswer all, IReadOnlyDictionary<string, PromptAnswer>? perScope) => (_all, _perScope) = (all, perScope);

    /// <summary>Every scope allowed.</summary>
    public static PromptResult Allow { get; } = new(PromptAnswer.Allow, null);

    /// <summary>Every scope refused.</summary>
    public static PromptResult Deny { get; } = new(PromptAnswer.Deny, null);

    /// <summary>The dialog was closed without a choice.</summary>
    public static PromptResult Dismissed { get; } = new(PromptAnswer.Dismissed, null);

    /// <summary>One answer per canonical scope name; a scope left out counts as dismissed.</summary>
    public static PromptResult PerScope(IReadOnlyDictionary<string, PromptAnswer> answers) =>
        new(PromptAnswer.Dismissed, answers ?? throw new ArgumentNullException(nameof(answers)));

    /// <summary>The answer for one canonical scope name.</summary>
    public PromptAnswer AnswerFor(string scope) =>
        _perScope is null ? _all : _perScope.TryGetValue(scope, out var answer) ? answer : PromptAnswer.Dismissed;
}
