using System.Security.Cryptography;

namespace Uni.Authorize;

/// <summary>Which changes the stores report to the apps' webhooks, shared by every store so that they agree.</summary>
public static class WebhookEvents
{
    /// <summary>The event a decision write reports when it changes the stored state (stores write none when the state
    /// stays), or <see langword="null"/>: a user's settings change (the settings page, withdrawing an app's decisions) that
    /// turns a scope off (<see cref="WebhookEventKind.ScopeRevoked"/>) or back to not determined
    /// (<see cref="WebhookEventKind.ScopeReset"/>). Answers in the dialog, administrators and policies are not reported.</summary>
    public static WebhookEventKind? KindOf(DecisionWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return write.Source != DecisionSource.Settings ? null : write.State switch
        {
            DecisionState.Denied => WebhookEventKind.ScopeRevoked,
            DecisionState.NotDetermined => WebhookEventKind.ScopeReset,
            _ => null,
        };
    }

    /// <summary>A new event id: <c>evt_</c> and 32 random hex digits.</summary>
    public static string NewId() => "evt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The name of <paramref name="kind"/> on the wire (<c>scope.revoked</c>, <c>scope.reset</c>, <c>user.erased</c>, <c>session.revoked</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not defined.</exception>
    public static string Name(WebhookEventKind kind) => kind switch
    {
        WebhookEventKind.ScopeRevoked => "scope.revoked",
        WebhookEventKind.ScopeReset => "scope.reset",
        WebhookEventKind.UserErased => "user.erased",
        WebhookEventKind.SessionRevoked => "session.revoked",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown webhook event kind."),
    };
}
