using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

/// <summary>What a profile may hold, for the user's and the operator's API alike, and what an app sees without one.</summary>
internal static class ProfileRules
{
    public const int MaxNickNameLength = 64;
    public const int MaxAvatarUrlLength = 2048;

    /// <summary>The profile <paramref name="body"/> describes, or the 400 problem naming what is wrong with it.</summary>
    public static (HostProfile? Profile, IResult? Problem) Validate(ProfileBody body)
    {
        var nickName = body.NickName?.Trim();
        if (nickName is not { Length: > 0 and <= MaxNickNameLength } || nickName.Any(char.IsControl))
        {
            return (null, Problems.BadRequest("invalid_nickname",
                $"'nickName' is 1 to {MaxNickNameLength} characters, not blank, without control characters."));
        }

        var avatarUrl = string.IsNullOrEmpty(body.AvatarUrl) ? null : body.AvatarUrl;
        if (avatarUrl is not null
            && (avatarUrl.Length > MaxAvatarUrlLength
                || !Uri.TryCreate(avatarUrl, UriKind.Absolute, out var uri)
                || uri.Scheme != Uri.UriSchemeHttps
                || !string.IsNullOrEmpty(uri.UserInfo)))
        {
            return (null, Problems.BadRequest("invalid_avatar_url",
                $"'avatarUrl' is an absolute https URL without user info, at most {MaxAvatarUrlLength} characters, or empty for none."));
        }

        return (new HostProfile(nickName, avatarUrl), null);
    }

    /// <summary>The user's profile, or their sign-in name without an avatar when they set none.</summary>
    public static async ValueTask<HostProfile?> EffectiveAsync(IIdentityStore store, string userId, CancellationToken cancellationToken) =>
        await store.GetProfileAsync(userId, cancellationToken).ConfigureAwait(false)
            ?? (await store.GetUserAsync(userId, cancellationToken).ConfigureAwait(false) is { } user ? new HostProfile(user.Name, null) : null);

    public static ProfileInfo Describe(HostProfile profile) => new(profile.NickName, profile.AvatarUrl);
}
