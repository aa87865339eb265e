using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class HostOptionsTests
{
    [Fact]
    public void AddUniAuthorizeHostAndAddWebhooks_ConfigurationSections_BindTheirSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([
            new("Host:MaxWait", "00:00:12"), new("Host:NameSignIn", "Anywhere"), new("Host:PrivacyContracts:app-1:Name", "Terms"),
            new("Host:PrivacyContracts:app-1:Url", "/terms"), new("Webhooks:MaxAttempts", "7")]).Build();
        var services = new ServiceCollection();
        services.AddUniAuthorizeHost(configuration.GetSection("Host")).AddWebhooks(configuration.GetSection("Webhooks"));
        using var provider = services.BuildServiceProvider();

        var host = provider.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value;

        Assert.Equal((TimeSpan.FromSeconds(12), NameSignInMode.Anywhere), (host.MaxWait, host.NameSignIn));
        Assert.Equal("/terms", host.PrivacyContracts["app-1"].Url);
        Assert.Equal(7, provider.GetRequiredService<IOptions<UniAuthorizeWebhookOptions>>().Value.MaxAttempts);
    }

    [Theory]
    [InlineData("Host:SessionLifetime", "-00:00:01", "Host:SessionLifetime must be positive")]
    [InlineData("Host:AdminKey", "short", "Host:AdminKey must be at least 16 characters")]
    [InlineData("Host:ConsentPagePath", "consent", "Host:ConsentPagePath must start with '/'")]
    [InlineData("Host:SignInUrl", "//evil.test", "Host:SignInUrl must be a path on this host")]
    [InlineData("Webhooks:BatchSize", "0", "Webhooks:BatchSize must be between 1 and 10000")]
    public void StartupValidator_BadSettingInSection_FailsNamingItsPath(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        var services = new ServiceCollection();
        services.AddUniAuthorizeHost(configuration.GetSection("Host")).AddWebhooks(configuration.GetSection("Webhooks"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartupValidator_BadSettingInCode_FailsNamingTheOptionsProperty()
    {
        var services = new ServiceCollection();
        services.AddUniAuthorizeHost(static o => o.ExchangePermitLimit = 0).AddWebhooks(static o => o.MaxAttempts = 0);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<AggregateException>(provider.GetRequiredService<IStartupValidator>().Validate);

        var messages = string.Join(" | ", error.InnerExceptions.Select(static e => e.Message));
        Assert.Contains("UniAuthorizeHostOptions.ExchangePermitLimit must be positive; it is 0.", messages, StringComparison.Ordinal);
        Assert.Contains("UniAuthorizeWebhookOptions.MaxAttempts must be between 1 and 1000", messages, StringComparison.Ordinal);
    }
}
