using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Uni.Authorize;

// Shared as source by every package (linked, not public): one way to validate options, with or without a container.

/// <summary>Checks one options type; each failure names the setting as <see cref="Prefix"/> plus the property, so a
/// bound section reports its configuration path (<c>UniAuthorize:PromptTimeout</c>) and code its type
/// (<c>UniAuthorizeOptions.PromptTimeout</c>).</summary>
internal abstract class OptionsValidator<TOptions>(string prefix) : IValidateOptions<TOptions>
    where TOptions : class
{
    protected string Prefix { get; } = prefix;

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>For options built by hand: the same rules, as an <see cref="InvalidOperationException"/>.</summary>
    public void ThrowIfInvalid(TOptions options)
    {
        if (Validate(null, options) is { Failed: true } result)
        {
            throw new InvalidOperationException(result.FailureMessage);
        }
    }

    protected abstract void Check(TOptions options, List<string> failures);

    protected void Positive(TimeSpan value, string setting, List<string> failures)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{setting} must be positive; it is {value}.");
        }
    }
}

internal static class ValidatedOptions
{
    /// <summary>Registers <paramref name="validator"/> for settings made in code, unless one is registered already, and
    /// validation at start-up.</summary>
    public static OptionsBuilder<TOptions> Add<TOptions>(IServiceCollection services, OptionsValidator<TOptions> validator)
        where TOptions : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(validator));
        return services.AddOptions<TOptions>().ValidateOnStart();
    }

    /// <summary>Binds <paramref name="section"/> and registers the validator <paramref name="create"/> makes for its
    /// path, in place of an earlier one: a failure names the setting where it was last bound from.</summary>
    public static OptionsBuilder<TOptions> Bind<TOptions, TValidator>(IServiceCollection services, IConfiguration section, Func<string, TValidator> create)
        where TOptions : class
        where TValidator : OptionsValidator<TOptions>
    {
        var prefix = section is IConfigurationSection { Path: { Length: > 0 } path } ? path + ":" : string.Empty;
        var earlier = services.Where(static d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationInstance is TValidator).ToList();
        foreach (var descriptor in earlier)
        {
            services.Remove(descriptor);
        }

        services.AddSingleton<IValidateOptions<TOptions>>(create(prefix));
        return services.AddOptions<TOptions>().Bind(section).ValidateOnStart();
    }
}
