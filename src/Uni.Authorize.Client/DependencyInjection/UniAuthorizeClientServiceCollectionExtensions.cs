using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Uni.Authorize;
using Uni.Authorize.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="UniAuthorizeClient"/> as a typed <see cref="HttpClient"/> client.</summary>
public static class UniAuthorizeClientServiceCollectionExtensions
{
    /// <summary>Registers the client with options set elsewhere (<c>services.Configure&lt;UniAuthorizeClientOptions&gt;</c>);
    /// chain handlers on the returned builder.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names it).</exception>
    public static IHttpClientBuilder AddUniAuthorizeClient(this IServiceCollection services) => services.AddUniAuthorizeClient(static _ => { });

    /// <summary>Registers the client, configured by <paramref name="configure"/>; chain handlers on the returned builder.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names it).</exception>
    public static IHttpClientBuilder AddUniAuthorizeClient(this IServiceCollection services, Action<UniAuthorizeClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ValidatedOptions.Add(services, UniAuthorizeClientOptionsValidator.Code).Configure(configure);
        return services.AddClient();
    }

    /// <summary>Registers the client with options bound from <paramref name="section"/> (<c>BaseAddress</c>,
    /// <c>SessionToken</c>, <c>PollWait</c>, ...); chain handlers on the returned builder.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names its path).</exception>
    public static IHttpClientBuilder AddUniAuthorizeClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        ValidatedOptions.Bind<UniAuthorizeClientOptions, UniAuthorizeClientOptionsValidator>(services, section, static prefix => new UniAuthorizeClientOptionsValidator(prefix));
        return services.AddClient();
    }

    private static IHttpClientBuilder AddClient(this IServiceCollection services)
    {
        var builder = services.AddHttpClient<UniAuthorizeClient>();
        builder.AddStandardResilienceHandler().Configure(static (resilience, sp) =>
        {
            var options = sp.GetRequiredService<IOptions<UniAuthorizeClientOptions>>().Value;
            // authorize, openSetting and login may change state on the host: never replayed blindly.
            resilience.Retry.DisableForUnsafeHttpMethods();
            if (options.ReadRetries == 0)
            {
                resilience.Retry.ShouldHandle = static _ => PredicateResult.False();
            }
            else
            {
                resilience.Retry.MaxRetryAttempts = options.ReadRetries;
            }

            resilience.Retry.Delay = options.RetryDelay;
            resilience.Retry.BackoffType = DelayBackoffType.Exponential;
            // A long poll waits up to PollWait on the host before it answers: an attempt must outlast it.
            resilience.AttemptTimeout.Timeout = options.PollWait + TimeSpan.FromSeconds(30);
            resilience.CircuitBreaker.SamplingDuration = 2 * resilience.AttemptTimeout.Timeout;
            resilience.TotalRequestTimeout.Timeout = (Math.Max(options.ReadRetries, 1) + 1) * resilience.AttemptTimeout.Timeout;
        });
        return builder;
    }
}
