using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Uni.Authorize;

/// <summary>
/// Issues and redeems the auth codes of an <see cref="Authorizer"/>'s grants (<c>getAuthCode</c>, WeChat's
/// <c>login</c>, and the server-side exchange). Safe for concurrent use.
/// </summary>
public sealed class AuthCodeService
{
    private const int AuthCodeBytes = 32;
    private static readonly int AuthCodeLength = Base64Url.GetEncodedLength(AuthCodeBytes);

    private readonly AuthorizeEngine _engine;

    /// <summary>Creates the auth code service of <paramref name="authorizer"/> (without dependency injection; with it,
    /// resolve <see cref="AuthCodeService"/>).</summary>
    public AuthCodeService(Authorizer authorizer)
        : this((authorizer ?? throw new ArgumentNullException(nameof(authorizer))).Engine)
    {
    }

    internal AuthCodeService(AuthorizeEngine engine) => _engine = engine;

    /// <summary>
    /// Redeems an auth code for the app that presents it: the server-side exchange (<c>alipay.system.oauth.token</c>,
    /// <c>jscode2session</c>). A code works once, for the app it was issued to, until it expires; that app's first attempt
    /// uses it up whatever its outcome, while another app's attempt leaves it alone.
    /// </summary>
    /// <param name="appId">The app presenting the code (authenticated by the caller).</param>
    /// <param name="code">The code as the app received it.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <exception cref="ArgumentException"><paramref name="appId"/> is not a valid app id.</exception>
    /// <exception cref="AuthorizeException">The auth code store is unavailable; the code was not redeemed.</exception>
    public ValueTask<AuthCodeRedemption> RedeemAuthCodeAsync(string appId, string? code, CancellationToken cancellationToken = default)
    {
        if (!Subject.IsValidId(appId))
        {
            throw new ArgumentException("An app id is 1 to 128 characters without control characters.", nameof(appId));
        }

        if (code is null || code.Length != AuthCodeLength || !Base64Url.IsValid(code))
        {
            return new(new AuthCodeRedemption(AuthCodeRedemptionStatus.Invalid, null));
        }

        return RedeemStoredAsync(HashCode(code), appId, cancellationToken);
    }

    /// <summary>Issues a fresh code for <paramref name="subject"/> and <paramref name="scopes"/> without asking
    /// (WeChat's <c>login</c>, Alipay's <c>auth_base</c>).</summary>
    /// <exception cref="AuthorizeException">The auth code store is unavailable; no code was issued.</exception>
    public async ValueTask<string> IssueAuthCodeAsync(Subject subject, IEnumerable<string> scopes, CancellationToken cancellationToken = default)
    {
        subject.EnsureValid();
        ArgumentNullException.ThrowIfNull(scopes);
        var code = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(AuthCodeBytes));
        var now = _engine.Time.GetUtcNow();
        string[] sorted = [.. scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        try
        {
            await _engine.AuthCodes.AddAsync(new AuthCodeRecord(HashCode(code), subject, sorted, now, now + _engine.AuthCodeLifetime), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AuthorizeException(_engine.StoreFailure(_engine.Platform, "getAuthCode", ex));
        }

        return code;
    }

    private async ValueTask<AuthCodeRedemption> RedeemStoredAsync(string codeHash, string appId, CancellationToken cancellationToken)
    {
        try
        {
            return await _engine.AuthCodes.RedeemAsync(codeHash, appId, _engine.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AuthorizeException(_engine.StoreFailure(_engine.Platform, "code2Session", ex));
        }
    }

    /// <summary>The stored form of a code: lower-case hex SHA-256.</summary>
    public static string HashCode(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(code ?? throw new ArgumentNullException(nameof(code)))));

    internal ValueTask<string> IssueAuthCodeAsync(Subject subject, IEnumerable<ResolvedScope> scopes, CancellationToken cancellationToken) =>
        IssueAuthCodeAsync(subject, scopes.Select(s => s.Scope.Name), cancellationToken);
}
