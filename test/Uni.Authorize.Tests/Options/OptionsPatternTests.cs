using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.Tests.Options;

public sealed class OptionsPatternTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void AddUniAuthorize_ConfigurationSection_BindsEverySetting()
    {
        var configuration = Configuration(
            ("UniAuthorize:Platform", "Alipay"),
            ("UniAuthorize:PromptTimeout", "00:00:30"),
            ("UniAuthorize:AuthCodeLifetime", "00:01:00"),
            ("UniAuthorize:GrantLifetime", "7.00:00:00"),
            ("UniAuthorize:DefaultSubject:AppId", "app-9"),
            ("UniAuthorize:DefaultSubject:UserId", "bob"));
        var services = new ServiceCollection();
        services.AddUniAuthorize(configuration.GetSection("UniAuthorize"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<UniAuthorizeOptions>>().Value;

        Assert.Equal(Platform.Alipay, options.Platform);
        Assert.Equal(TimeSpan.FromSeconds(30), options.PromptTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), options.AuthCodeLifetime);
        Assert.Equal(TimeSpan.FromDays(7), options.GrantLifetime);
        Assert.Equal(new Subject("app-9", "bob"), options.DefaultSubject);
    }

    [Fact]
    public void AddHousekeepingAndAddDecisionCache_ConfigurationSections_BindTheirSettings()
    {
        var configuration = Configuration(
            ("Housekeeping:Enabled", "false"),
            ("Housekeeping:Interval", "00:01:00"),
            ("Housekeeping:BatchSize", "50"),
            ("Cache:MaxEntries", "10"));
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddHousekeeping(configuration.GetSection("Housekeeping")).AddDecisionCache(configuration.GetSection("Cache"));
        using var provider = services.BuildServiceProvider();

        var housekeeping = provider.GetRequiredService<IOptions<HousekeepingOptions>>().Value;
        Assert.False(housekeeping.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(1), housekeeping.Interval);
        Assert.Equal(50, housekeeping.BatchSize);
        Assert.Equal(10, provider.GetRequiredService<IOptions<DecisionCacheOptions>>().Value.MaxEntries);
    }

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "UniAuthorize:Platform", "99", "UniAuthorize:Platform has the unknown value 99" },
        { "UniAuthorize:PromptTimeout", "-00:00:05", "UniAuthorize:PromptTimeout must be positive" },
        { "UniAuthorize:AuthCodeLifetime", "00:00:00", "UniAuthorize:AuthCodeLifetime must be positive" },
        { "UniAuthorize:GrantLifetime", "-1.00:00:00", "UniAuthorize:GrantLifetime must be positive" },
        { "UniAuthorize:DenialLifetime", "00:00:00", "UniAuthorize:DenialLifetime must be positive" },
        { "UniAuthorize:DefaultSubject:UserId", " ", "UniAuthorize:DefaultSubject needs an app id and a user id" },
        { "Housekeeping:Interval", "00:00:00.5", "Housekeeping:Interval must be between 1 second and 1 day" },
        { "Housekeeping:BatchSize", "0", "Housekeeping:BatchSize must be between 1 and 100000" },
        { "Cache:MaxEntries", "0", "Cache:MaxEntries must be at least 1" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task StartAsync_BadSettingInSection_FailsNamingItsPath(string key, string value, string message)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new(key, value)]);
        builder.Services.AddUniAuthorize(builder.Configuration.GetSection("UniAuthorize"))
            .AddHousekeeping(builder.Configuration.GetSection("Housekeeping"))
            .AddDecisionCache(builder.Configuration.GetSection("Cache"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadSettingInCode_FailsNamingTheOptionsProperty()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddUniAuthorize(static o => o.PromptTimeout = TimeSpan.Zero).AddDecisionCache(static o => o.MaxEntries = 0);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync(Ct));

        var messages = error.InnerExceptions.Select(static e => e.Message).ToList();
        Assert.Contains(messages, static m => m.Contains("UniAuthorizeOptions.PromptTimeout must be positive", StringComparison.Ordinal));
        Assert.Contains(messages, static m => m.Contains("DecisionCacheOptions.MaxEntries must be at least 1", StringComparison.Ordinal));
    }

    [Fact]
    public void AddHousekeeping_SectionAfterCode_FailureNamesTheSectionPath()
    {
        var configuration = Configuration(("Jobs:BatchSize", "0"));
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddHousekeeping().AddHousekeeping(configuration.GetSection("Jobs"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HousekeepingOptions>>().Value);

        Assert.Equal("Jobs:BatchSize must be between 1 and 100000; it is 0.", Assert.Single(error.Failures));
    }

    private static IConfigurationRoot Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(static s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
