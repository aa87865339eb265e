using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>A resolved mini-app session: the app, the user, and the engine's subject for them.</summary>
internal sealed record SessionContext(MiniAppSession Session, HostApp App, Subject Subject)
{
    /// <summary>The session that <see cref="MiniAppSessionHandler"/> resolved for this request (endpoints require that scheme).</summary>
    public static ValueTask<SessionContext?> BindAsync(HttpContext context) => new(context.Features.Get<SessionContext>());
}

/// <summary>Registers apps, signs users in, issues and resolves mini-app sessions (cached, hashed at rest).</summary>
internal sealed class HostIdentities : IDisposable
{
    private const int MaxCachedSessions = 100_000;
    private readonly ConcurrentDictionary<string, CachedSession> _sessions = new(StringComparer.Ordinal);
    private readonly string _dummyHash = Secrets.Hash(Secrets.Create("sk_"));
    private readonly IIdentityStore _store;
    private readonly IConsentStore _signals;
    private readonly TimeProvider _time;
    private readonly IOptions<UniAuthorizeHostOptions> _options;

    // Revocations made on other instances arrive as signals of the consent store, which every instance shares.
    public HostIdentities(ProtectedIdentityStore store, IConsentStore signals, TimeProvider time, IOptions<UniAuthorizeHostOptions> options)
    {
        _store = store;
        _signals = signals;
        _time = time;
        _options = options;
        _signals.Signaled += OnSignal;
    }

    public IIdentityStore Store => _store;

    public static bool IsValidAppId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= 64 } && !string.IsNullOrWhiteSpace(name) && !name.Any(char.IsControl) && !name.Any(char.IsSurrogate);

    /// <summary>The app a request names, or <see langword="null"/> when the id is malformed or no app has it.</summary>
    public async ValueTask<HostApp?> FindAppAsync(string? appId, CancellationToken cancellationToken) =>
        IsValidAppId(appId) ? await _store.GetAppAsync(appId!, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>Whether <paramref name="letter"/> is one visible character (one grapheme, emoji included) to draw as an icon.</summary>
    public static bool IsValidIconLetter(string? letter)
    {
        if (letter is not { Length: > 0 and <= 16 } || new StringInfo(letter).LengthInTextElements != 1
            || Rune.DecodeFromUtf16(letter, out var first, out _) != OperationStatus.Done)
        {
            return false;
        }

        return Rune.GetUnicodeCategory(first) is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.SpaceSeparator
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.OtherNotAssigned);
    }

    /// <summary>The letter drawn as the app's icon: the stored one, else the name's first letter in upper case.</summary>
    public static string IconLetterOf(HostApp app) =>
        app.IconLetter ?? (StringInfo.GetNextTextElement(app.Name.Trim()) is { Length: > 0 } first ? first.ToUpperInvariant() : "?");

    public async ValueTask<(HostApp App, string Secret)?> CreateAppAsync(string id, string name, Platform platform, string? iconLetter,
        CancellationToken cancellationToken)
    {
        var secret = Secrets.Create("sk_");
        var app = new HostApp(id, name.Trim(), platform, Secrets.Hash(secret), _time.GetUtcNow()) { IconLetter = iconLetter };
        return await _store.TryAddAppAsync(app, cancellationToken).ConfigureAwait(false) ? (app, secret) : null;
    }

    /// <summary>The app when <paramref name="secret"/> is its secret; the comparison takes the same time whether the app
    /// exists or where the secret differs.</summary>
    public async ValueTask<HostApp?> AuthenticateAppAsync(string? appId, string? secret, CancellationToken cancellationToken)
    {
        var app = await FindAppAsync(appId, cancellationToken).ConfigureAwait(false);
        var matches = Secrets.Matches(secret, app?.SecretHash ?? _dummyHash);
        return matches && app is { DisabledAt: null } ? app : null;
    }

    /// <summary>Gives the app a new secret and returns it (shown once); the old secret is refused from now on, on every
    /// instance, since the exchange reads the app from the store. <see langword="null"/> when there is no such app.</summary>
    public async ValueTask<string?> RotateSecretAsync(HostApp app, CancellationToken cancellationToken)
    {
        var secret = Secrets.Create("sk_");
        return await _store.UpdateAppAsync(app with { SecretHash = Secrets.Hash(secret) }, cancellationToken).ConfigureAwait(false) ? secret : null;
    }

    /// <summary>Stores the app's changed fields and drops this instance's cached sessions of it, so they see the change
    /// at once (other instances within <see cref="UniAuthorizeHostOptions.SessionCacheDuration"/>).</summary>
    public async ValueTask<bool> UpdateAppAsync(HostApp app, CancellationToken cancellationToken)
    {
        var updated = await _store.UpdateAppAsync(app, cancellationToken).ConfigureAwait(false);
        foreach (var pair in _sessions)
        {
            if (pair.Value.Context.App.Id == app.Id)
            {
                _sessions.TryRemove(pair);
            }
        }

        return updated;
    }

    /// <summary>Marks the app disabled (its secret and sessions are refused from then on), then deletes its sessions;
    /// every instance drops them at once. Returns the sessions that went, or <see langword="null"/> when there is no such app.</summary>
    public async ValueTask<IReadOnlyList<MiniAppSession>?> DisableAppAsync(HostApp app, CancellationToken cancellationToken)
    {
        if (!await UpdateAppAsync(app with { DisabledAt = app.DisabledAt ?? _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var sessions = await _store.RemoveAppSessionsAsync(app.Id, cancellationToken).ConfigureAwait(false);
        await DropAsync(sessions, cancellationToken).ConfigureAwait(false);
        return sessions;
    }

    public ValueTask<HostUser> SignInAsync(string name, CancellationToken cancellationToken) =>
        _store.GetOrAddUserAsync(new HostUser("u_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), name.Trim(), _time.GetUtcNow()), cancellationToken);

    public async ValueTask<(string Token, MiniAppSession Session)> IssueSessionAsync(HostApp app, string userId, TimeSpan? lifetime, CancellationToken cancellationToken)
    {
        var token = Secrets.Create("st_");
        var now = _time.GetUtcNow();
        var session = new MiniAppSession(Secrets.Hash(token), app.Id, userId, now, now + (lifetime ?? _options.Value.SessionLifetime));
        await _store.AddSessionAsync(session, cancellationToken).ConfigureAwait(false);
        return (token, session);
    }

    /// <summary>The live session of <paramref name="token"/>, or <see langword="null"/> when it is unknown, expired or revoked.</summary>
    public ValueTask<SessionContext?> ResolveSessionAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length is 0 or > Secrets.MaxPresentedLength)
        {
            return new((SessionContext?)null);
        }

        var hash = Secrets.Hash(token);
        var now = _time.GetUtcNow();
        // A cached session is trusted only while revocations from other instances are heard.
        if (_signals.IsHealthy && _sessions.TryGetValue(hash, out var cached) && cached.FreshUntil > now)
        {
            return new(cached.Context.Session.ExpiresAt > now ? cached.Context : null);
        }

        return LoadAsync(hash, now, cancellationToken);
    }

    /// <summary>Ends the session of <paramref name="token"/>; returns it, or <see langword="null"/> when there was none.</summary>
    public async ValueTask<MiniAppSession?> RevokeSessionAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length is 0 or > Secrets.MaxPresentedLength)
        {
            return null;
        }

        var hash = Secrets.Hash(token);
        _sessions.TryRemove(hash, out _);
        var session = await _store.GetSessionAsync(hash, cancellationToken).ConfigureAwait(false);
        var removed = await _store.RemoveSessionAsync(hash, cancellationToken).ConfigureAwait(false);
        await _signals.PublishAsync(new ConsentSignal(ConsentSignalKind.SessionRevoked, hash), cancellationToken).ConfigureAwait(false);
        return removed ? session : null;
    }

    /// <summary>Deletes the user and every session of theirs; every instance drops the sessions at once.</summary>
    public async ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken)
    {
        var sessions = await _store.EraseUserAsync(userId, cancellationToken).ConfigureAwait(false);
        await DropAsync(sessions, cancellationToken).ConfigureAwait(false);
        return sessions.Count;
    }

    private async ValueTask DropAsync(IReadOnlyList<MiniAppSession> sessions, CancellationToken cancellationToken)
    {
        foreach (var session in sessions)
        {
            _sessions.TryRemove(session.TokenHash, out _);
            await _signals.PublishAsync(new ConsentSignal(ConsentSignalKind.SessionRevoked, session.TokenHash), cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _signals.Signaled -= OnSignal;

    private void OnSignal(ConsentSignal signal)
    {
        if (signal.Kind == ConsentSignalKind.SessionRevoked)
        {
            _sessions.TryRemove(signal.Id, out _);
        }
    }

    private async ValueTask<SessionContext?> LoadAsync(string hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var session = await _store.GetSessionAsync(hash, cancellationToken).ConfigureAwait(false);
        if (session is null || session.ExpiresAt <= now)
        {
            _sessions.TryRemove(hash, out _);
            return null;
        }

        var app = await _store.GetAppAsync(session.AppId, cancellationToken).ConfigureAwait(false);
        if (app is not { DisabledAt: null })
        {
            return null;
        }

        var context = new SessionContext(session, app, new Subject(app.Id, session.UserId));
        if (_sessions.Count >= MaxCachedSessions)
        {
            _sessions.Clear();
        }

        _sessions[hash] = new CachedSession(context, now + _options.Value.SessionCacheDuration);
        return context;
    }

    private sealed record CachedSession(SessionContext Context, DateTimeOffset FreshUntil);
}
