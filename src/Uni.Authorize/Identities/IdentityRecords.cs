namespace Uni.Authorize;

/// <summary>A mini-app registered with the host.</summary>
/// <param name="Id">The app id (<c>appid</c>, <c>app_id</c>).</param>
/// <param name="Name">The name the consent dialog shows.</param>
/// <param name="Platform">The platform whose rules, names and payloads the app gets.</param>
/// <param name="SecretHash">Lower-case hex SHA-256 of the app secret; the secret itself is never stored.</param>
/// <param name="CreatedAt">When the app was registered.</param>
public sealed record HostApp(string Id, string Name, Platform Platform, string SecretHash, DateTimeOffset CreatedAt)
{
    /// <summary>When an operator disabled the app, or <see langword="null"/> while it works: a disabled app's sessions,
    /// codes and secret are refused.</summary>
    public DateTimeOffset? DisabledAt { get; init; }

    /// <summary>The name of the app's privacy contract set by an operator (WeChat's 隐私保护指引), or <see langword="null"/>.</summary>
    public string? PrivacyContractName { get; init; }

    /// <summary>Where the app's privacy contract is shown; set together with <see cref="PrivacyContractName"/>.</summary>
    public string? PrivacyContractUrl { get; init; }

    /// <summary>The one character drawn as the app's icon, or <see langword="null"/> to draw the name's first one.</summary>
    public string? IconLetter { get; init; }

    /// <summary>The RSA public key (base64 of its DER SubjectPublicKeyInfo) with which an Alipay app's server signs its
    /// gateway calls, or <see langword="null"/> while none is registered: the gateway then refuses the app's calls.</summary>
    public string? AlipayPublicKey { get; init; }
}

/// <summary>A person using the host.</summary>
/// <param name="Id">The stable user id (never shown to apps: they see per-app pseudonyms).</param>
/// <param name="Name">The sign-in name, unique.</param>
/// <param name="CreatedAt">When the user first signed in.</param>
public sealed record HostUser(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>A mini-app session: one app acting for one user until it expires.</summary>
/// <param name="TokenHash">Lower-case hex SHA-256 of the session token; the token itself is never stored.</param>
/// <param name="AppId">The app.</param>
/// <param name="UserId">The user.</param>
/// <param name="IssuedAt">When it was issued.</param>
/// <param name="ExpiresAt">When it stops working.</param>
public sealed record MiniAppSession(string TokenHash, string AppId, string UserId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>What a user shows apps that ask for their user info.</summary>
/// <param name="NickName">The nickname, 1 to 64 characters.</param>
/// <param name="AvatarUrl">An https URL of the avatar image, or <see langword="null"/> for the platform's default.</param>
public sealed record HostProfile(string NickName, string? AvatarUrl);

/// <summary>The access token a code exchange gave an app for a user (Alipay's <c>alipay.system.oauth.token</c>), kept by
/// its hash so that the app's server can call the user's APIs with it until it expires.</summary>
/// <param name="AppId">The app the token was issued to.</param>
/// <param name="UserId">The user the token acts for.</param>
/// <param name="ExpiresAt">When the token stops working.</param>
public sealed record AccessTokenGrant(string AppId, string UserId, DateTimeOffset ExpiresAt);
