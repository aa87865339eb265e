using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.Client;

/// <summary>
/// The core's authorize / getSetting / openSetting calls over the host's HTTP API, for one mini-app session. A call
/// that needs the user's consent waits for it (long polling) until the user answers or the host's prompt timeout
/// fails it. Made for <c>IHttpClientFactory</c> (<c>services.AddUniAuthorizeClient(...)</c>), whose standard resilience
/// handler retries safe reads after a transient failure; a call that may change state is sent once. Over an
/// <see cref="HttpClient"/> built by hand nothing is retried. Safe for concurrent use.
/// </summary>
public sealed class UniAuthorizeClient
{
    private readonly HttpClient _http;
    private readonly UniAuthorizeClientOptions _options;
    private readonly AuthenticationHeaderValue _authorization;

    /// <summary>Creates a client over <paramref name="http"/>.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message names the setting.</exception>
    public UniAuthorizeClient(HttpClient http, UniAuthorizeClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        UniAuthorizeClientOptionsValidator.Code.ThrowIfInvalid(options);
        _http = http;
        _options = options;
        if (options.BaseAddress is { } address)
        {
            _http.BaseAddress = address;
        }

        if (_http.BaseAddress is null)
        {
            throw new InvalidOperationException("Set UniAuthorizeClientOptions.BaseAddress (or the HttpClient's BaseAddress) to the host's address.");
        }

        _authorization = new AuthenticationHeaderValue("Bearer", options.SessionToken);
    }

    /// <summary>For dependency injection: options from <c>AddUniAuthorizeClient</c>.</summary>
    [Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor]
    public UniAuthorizeClient(HttpClient http, IOptions<UniAuthorizeClientOptions> options)
        : this(http, (options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    /// <summary>Asks for <paramref name="scope"/>, waiting for the user when a consent is needed; a refusal is a value.</summary>
    /// <exception cref="UniAuthorizeProblemException">The host refused the request (invalid session, malformed input).</exception>
    public Task<AuthorizeReply> TryAuthorizeAsync(string scope, CancellationToken cancellationToken = default) =>
        CallAsync("api/v1/authorize", new AuthorizeRequestBody(scope ?? throw new ArgumentNullException(nameof(scope)), null), cancellationToken);

    /// <summary>Asks for several scopes at once (Alipay's <c>scopes</c>).</summary>
    /// <exception cref="UniAuthorizeProblemException">The host refused the request.</exception>
    public Task<AuthorizeReply> TryAuthorizeAsync(IReadOnlyList<string> scopes, CancellationToken cancellationToken = default) =>
        CallAsync("api/v1/authorize", new AuthorizeRequestBody(null, scopes ?? throw new ArgumentNullException(nameof(scopes))), cancellationToken);

    /// <summary>Asks for <paramref name="scope"/> (the seed's promise form).</summary>
    /// <exception cref="AuthorizeRejectedException">The call failed; the exception carries the reply.</exception>
    /// <exception cref="UniAuthorizeProblemException">The host refused the request.</exception>
    public async Task<AuthorizeReply> AuthorizeAsync(string scope, CancellationToken cancellationToken = default)
    {
        var reply = await TryAuthorizeAsync(scope, cancellationToken).ConfigureAwait(false);
        return reply.Succeeded ? reply : throw new AuthorizeRejectedException(reply);
    }

    /// <summary>Guards a call of <paramref name="api"/> (<c>getLocation</c>): authorizes its scope first; failures use the API's name.</summary>
    /// <exception cref="UniAuthorizeProblemException">The host refused the request.</exception>
    public Task<AuthorizeReply> TryAuthorizeApiAsync(string api, CancellationToken cancellationToken = default) =>
        CallAsync("api/v1/apis/" + Uri.EscapeDataString(api ?? throw new ArgumentNullException(nameof(api))) + "/authorize", null, cancellationToken);

    /// <summary>The decided scopes (<c>getSetting</c>); a safe read, retried after transient failures.</summary>
    /// <exception cref="UniAuthorizeProblemException">The host refused the request.</exception>
    public async Task<SettingReply> GetSettingAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/v1/settings", null, cancellationToken).ConfigureAwait(false);
        return ToSetting(await ReadAsync(response, ClientJson.Default.SettingBody, cancellationToken).ConfigureAwait(false));
    }

    /// <summary><c>openSetting</c>: the current settings and the page where the user changes them (sent once: never retried).</summary>
    /// <exception cref="UniAuthorizeProblemException">The host refused the request.</exception>
    public async Task<SettingReply> OpenSettingAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/v1/settings/open", null, cancellationToken).ConfigureAwait(false);
        return ToSetting(await ReadAsync(response, ClientJson.Default.SettingBody, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>WeChat's <c>login</c>: a fresh code for the app's server to exchange (<c>jscode2session</c>).</summary>
    /// <exception cref="UniAuthorizeProblemException">The host refused the request.</exception>
    public async Task<string> LoginAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/v1/login", null, cancellationToken).ConfigureAwait(false);
        return (await ReadAsync(response, ClientJson.Default.LoginBody, cancellationToken).ConfigureAwait(false)).Code;
    }

    private async Task<AuthorizeReply> CallAsync(string path, AuthorizeRequestBody? body, CancellationToken cancellationToken)
    {
        var wait = "?wait=" + ((int)_options.PollWait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        CallBody call;
        using (var response = await SendAsync(HttpMethod.Post, path + wait, body, cancellationToken).ConfigureAwait(false))
        {
            call = await ReadAsync(response, ClientJson.Default.CallBody, cancellationToken).ConfigureAwait(false);
        }

        // Pending: the user has not answered yet. Polling is a safe read; the host's prompt timeout ends the wait.
        while (call.Status == "pending")
        {
            var poll = (call.PollUrl ?? throw new UniAuthorizeProblemException(502, "bad_answer", "A pending answer without a poll URL.")).TrimStart('/');
            using var response = await SendAsync(HttpMethod.Get, poll + wait, null, cancellationToken).ConfigureAwait(false);
            call = await ReadAsync(response, ClientJson.Default.CallBody, cancellationToken).ConfigureAwait(false);
        }

        return new AuthorizeReply(call.Status == "ok", call.Platform, call.ErrMsg, call.Scopes ?? [], call.AuthCode, call.Error?.Code, call.Error?.Message, call.Native);
    }

    // Retries are the resilience handler's (AddUniAuthorizeClient): it replays only safe methods, so a GET here may be
    // sent again after a transient failure and a POST (authorize, openSetting, login) never is.
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, AuthorizeRequestBody? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = _authorization;
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, ClientJson.Default.AuthorizeRequestBody);
        }

        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            try
            {
                return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false)
                    ?? throw new UniAuthorizeProblemException((int)response.StatusCode, "bad_answer", "The host answered an empty body.");
            }
            catch (JsonException ex)
            {
                throw new UniAuthorizeProblemException((int)response.StatusCode, "bad_answer", "The host's answer is not the expected JSON: " + ex.Message);
            }
        }

        ProblemBody? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync(ClientJson.Default.ProblemBody, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
        }

        throw new UniAuthorizeProblemException((int)response.StatusCode, problem?.Code ?? "http_" + (int)response.StatusCode, problem?.Detail ?? response.ReasonPhrase);
    }

    private static SettingReply ToSetting(SettingBody body) => new(body.Platform, body.AuthSetting, body.Native, body.SettingsUrl);
}
