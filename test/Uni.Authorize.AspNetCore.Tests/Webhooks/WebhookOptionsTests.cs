namespace Uni.Authorize.AspNetCore.Tests.Webhooks;

public sealed class WebhookOptionsTests
{
    [Theory]
    [InlineData(1, 4_000, 6_000)]
    [InlineData(2, 8_000, 12_000)]
    [InlineData(4, 32_000, 48_000)]
    [InlineData(30, 2_880_000, 4_320_000)]
    public void Backoff_NthFailure_DoublesFromTheFirstDelayWithinJitterAndCapped(int attempts, double minMs, double maxMs)
    {
        var settings = new UniAuthorizeWebhookOptions { FirstRetryDelay = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromHours(1) };

        var delays = Enumerable.Range(0, 200).Select(_ => WebhookDelivery.Backoff(settings, attempts).TotalMilliseconds).ToArray();

        Assert.All(delays, d => Assert.InRange(d, minMs, maxMs));
        Assert.True(delays.Distinct().Count() > 100, "The delays carry jitter.");
    }

    [Theory]
    [InlineData(nameof(UniAuthorizeWebhookOptions.PollInterval))]
    [InlineData(nameof(UniAuthorizeWebhookOptions.BatchSize))]
    [InlineData(nameof(UniAuthorizeWebhookOptions.Timeout))]
    [InlineData(nameof(UniAuthorizeWebhookOptions.FirstRetryDelay))]
    [InlineData(nameof(UniAuthorizeWebhookOptions.MaxAttempts))]
    [InlineData(nameof(UniAuthorizeWebhookOptions.AllowedNetworks))]
    public void Validator_SettingOutOfRange_FailsNamingIt(string setting)
    {
        var options = new UniAuthorizeWebhookOptions();
        switch (setting)
        {
            case nameof(UniAuthorizeWebhookOptions.PollInterval): options.PollInterval = TimeSpan.Zero; break;
            case nameof(UniAuthorizeWebhookOptions.BatchSize): options.BatchSize = 0; break;
            case nameof(UniAuthorizeWebhookOptions.Timeout): options.Timeout = options.LeaseDuration; break;
            case nameof(UniAuthorizeWebhookOptions.FirstRetryDelay): options.FirstRetryDelay = TimeSpan.FromHours(2); break;
            case nameof(UniAuthorizeWebhookOptions.AllowedNetworks): options.AllowedNetworks.Add("10.0.0.0/33"); break;
            default: options.MaxAttempts = 0; break;
        }

        var result = UniAuthorizeWebhookOptionsValidator.Code.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("UniAuthorizeWebhookOptions." + setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_WebhookSettingOutOfRange_StopsAtStartNamingIt()
    {
        var (exitCode, output, error) = await HostProcess.RunToExitAsync("--Store:Provider=InMemory", "--Webhooks:MaxAttempts=0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Webhooks:MaxAttempts must be between 1 and 1000", output + error, StringComparison.Ordinal);
    }
}
