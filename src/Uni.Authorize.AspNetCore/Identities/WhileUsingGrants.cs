namespace Uni.Authorize.AspNetCore;

/// <summary>Grants given "while using" last as long as the mini-app session: whichever way sessions end (revoked,
/// their app disabled, their user signed out), their grants end with them.</summary>
internal static class WhileUsingGrants
{
    public static async Task EndAsync(DecisionManager decisions, IEnumerable<MiniAppSession> sessions, CancellationToken cancellationToken)
    {
        foreach (var subject in sessions.Select(static s => new Subject(s.AppId, s.UserId)).Distinct())
        {
            await decisions.EndSessionAsync(subject, cancellationToken).ConfigureAwait(false);
        }
    }
}
