using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests;

public sealed class PolicyAndTelemetryTests
{
    [Fact]
    public async Task AuthorizeAsync_GrantExpiredByPolicy_AsksAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, time, store, configure: o => o.GrantLifetime = TimeSpan.FromDays(30));

        await authorizer.AuthorizeAsync("scope.camera").Guarded();
        var stored = await store.GetAsync(Subject.Default, "scope.camera");
        Assert.Equal((DecisionSource.Prompt, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(30)), (stored!.Source, stored.DecidedAt, stored.ExpiresAt!.Value));

        time.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        await authorizer.AuthorizeAsync("scope.camera").Guarded();
        Assert.Equal(1, prompter.Count);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty((await authorizer.GetSettingAsync().Guarded()).AuthSetting);
        await authorizer.AuthorizeAsync("scope.camera").Guarded();
        Assert.Equal(2, prompter.Count);
    }

    [Fact]
    public async Task Meter_PromptGrantDenyFastFail_Counted()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter((request, _) =>
            new(request.Scopes[0].Name == "scope.camera" ? PromptResult.Allow : PromptResult.Deny)));
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Uni.Authorize" && ReferenceEquals(instrument.Meter.Scope, authorizer.Engine))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (counts)
            {
                counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();
        await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record")).Guarded();
        await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record")).Guarded();
        await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record")).Guarded();

        Assert.Equal(2, counts["uni.authorize.prompts"]);
        Assert.Equal(1, counts["uni.authorize.grants"]);
        Assert.Equal(1, counts["uni.authorize.denials"]);
        Assert.Equal(2, counts["uni.authorize.fast_fails"]);
    }

    [Fact]
    public async Task ActivitySource_PromptedCall_RecordsAnActivity()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Uni.Authorize",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (activities) { activities.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        using var authorizer = TestAuthorizer.Create(Platform.Baidu, new ScriptedPrompter(PromptResult.Allow));

        await authorizer.AuthorizeAsync("scope.calendar").Guarded();

        lock (activities)
        {
            Assert.Contains(activities, a => a.OperationName == "authorize" && (string?)a.GetTagItem("uni.authorize.platform") == "Baidu");
        }
    }

    [Fact]
    public async Task Logging_InformationLevel_CarriesNoAppOrUserIds()
    {
        var lines = new List<string>();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new ListLoggerProvider(lines)));
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow), configure: o => o.LoggerFactory = factory);

        await authorizer.AuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = new Subject("secret-app-7", "alice-13") }).Guarded();

        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains("secret-app-7", StringComparison.Ordinal) || l.Contains("alice-13", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddUniAuthorize_Container_ResolvesConfiguredSingleton()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IAuthorizationPrompter>(new ScriptedPrompter(PromptResult.Allow));
        services.AddUniAuthorize(o => o.Platform = Platform.ByteDance);
        await using var provider = services.BuildServiceProvider();

        var authorizer = provider.GetRequiredService<Authorizer>();

        Assert.Same(authorizer, provider.GetRequiredService<Authorizer>());
        Assert.Equal(Platform.ByteDance, authorizer.Platform);
        Assert.True((await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.album")).Guarded()).Succeeded);
    }

    [Fact]
    public async Task AddUniAuthorize_Container_AuthorizerDecisionManagerAndAuthCodeServiceShareOneEngine()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IAuthorizationPrompter>(new ScriptedPrompter(PromptResult.Allow));
        services.AddUniAuthorize(o => o.Platform = Platform.WeChat);
        await using var provider = services.BuildServiceProvider();
        var authorizer = provider.GetRequiredService<Authorizer>();
        var decisions = provider.GetRequiredService<DecisionManager>();
        var codes = provider.GetRequiredService<AuthCodeService>();
        var changes = new List<(object? Sender, string Scope, DecisionSource Source)>();
        decisions.DecisionChanged += (sender, e) => changes.Add((sender, e.Decision.Scope, e.Decision.Source));

        await authorizer.AuthorizeAsync("scope.camera").Guarded();
        await decisions.SetDecisionAsync(Subject.Default, "scope.record", DecisionState.Denied).Guarded();
        var denied = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record")).Guarded();
        var code = await codes.IssueAuthCodeAsync(Subject.Default, ["auth_base"]).Guarded();
        var redeemed = await new AuthCodeService(authorizer).RedeemAuthCodeAsync(Subject.Default.AppId, code).Guarded();

        Assert.Same(decisions, provider.GetRequiredService<DecisionManager>());
        Assert.Equal([(decisions, "scope.camera", DecisionSource.Prompt), (decisions, "scope.record", DecisionSource.Admin)], changes);
        Assert.Equal(AuthorizeErrorCode.Denied, denied.Error?.Code);
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, redeemed.Status);
    }
}
