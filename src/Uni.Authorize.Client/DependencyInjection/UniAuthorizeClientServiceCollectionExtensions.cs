using Uni.Authorize.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="UniAuthorizeClient"/> as a typed <see cref="HttpClient"/> client.</summary>
public static class UniAuthorizeClientServiceCollectionExtensions
{
    /// <summary>Registers the client, configured by <paramref name="configure"/>; chain handlers on the returned builder.</summary>
    public static IHttpClientBuilder AddUniAuthorizeClient(this IServiceCollection services, Action<UniAuthorizeClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<UniAuthorizeClientOptions>().Configure(configure);
        return services.AddHttpClient<UniAuthorizeClient>();
    }
}
