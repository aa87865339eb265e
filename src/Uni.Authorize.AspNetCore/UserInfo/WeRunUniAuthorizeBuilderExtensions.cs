using Microsoft.Extensions.DependencyInjection.Extensions;
using Uni.Authorize.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the trusted source of WeChat's step counts.</summary>
public static class WeRunUniAuthorizeBuilderExtensions
{
    /// <summary>Makes <typeparamref name="TProvider"/> (a singleton) the source of the steps <c>getWeRunData</c> seals;
    /// the first registration wins.</summary>
    public static IUniAuthorizeBuilder AddWeRunStepProvider<TProvider>(this IUniAuthorizeBuilder builder)
        where TProvider : class, IWeRunStepProvider
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<IWeRunStepProvider, TProvider>();
        return builder;
    }
}
