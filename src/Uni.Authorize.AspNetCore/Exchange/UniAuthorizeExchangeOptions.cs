using Microsoft.Extensions.Configuration;
using Uni.Authorize.AspNetCore;

namespace Uni.Authorize.AspNetCore
{
    /// <summary>Configures the app servers' code exchange (configuration section <c>Exchange</c> in the runnable host).</summary>
    public sealed class UniAuthorizeExchangeOptions
    {
        /// <summary>Whether WeChat's <c>sns/jscode2session</c> and <c>cgi-bin/token</c> refuse a secret in the query string
        /// (<c>errcode 40097</c>), for operators whose app servers can send a form body. WeChat's SDKs send the secret in
        /// the query string, as WeChat designed it, so the default is to accept it there (and never log it). Default: false.</summary>
        public bool RefuseSecretInQuery { get; set; }
    }
}

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Changes how the host's code exchange treats app servers.</summary>
    public static class ExchangeUniAuthorizeBuilderExtensions
    {
        /// <summary>Applies <paramref name="configure"/> to the exchange settings, on top of earlier calls.</summary>
        public static IUniAuthorizeBuilder AddCodeExchange(this IUniAuthorizeBuilder builder, Action<UniAuthorizeExchangeOptions> configure)
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentNullException.ThrowIfNull(configure);
            builder.Services.AddOptions<UniAuthorizeExchangeOptions>().Configure(configure);
            return builder;
        }

        /// <summary>Binds the exchange settings from <paramref name="section"/> (<c>RefuseSecretInQuery</c>), on top of earlier calls.</summary>
        public static IUniAuthorizeBuilder AddCodeExchange(this IUniAuthorizeBuilder builder, IConfiguration section)
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentNullException.ThrowIfNull(section);
            builder.Services.AddOptions<UniAuthorizeExchangeOptions>().Bind(section);
            return builder;
        }
    }
}
