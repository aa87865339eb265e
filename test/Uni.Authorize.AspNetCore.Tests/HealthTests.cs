using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The runnable host's probes in process: liveness asks nothing, readiness asks the store and the change feed.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_StoreDown_Answers200WithoutAskingTheStore()
    {
        var store = new SwitchableDecisionStore { Down = true };
        await using var host = new TestHost(services: s => s.Replace(ServiceDescriptor.Singleton<IDecisionStore>(store)));
        using var client = host.CreateClient();

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", (string)(await Body(response))["status"]!);
        Assert.Equal(0, store.Calls);
    }

    [Fact]
    public async Task Readyz_StoreAnswers_Answers200WithEachCheck()
    {
        await using var host = new TestHost();
        using var client = host.CreateClient();

        var response = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var body = await Body(response);
        Assert.Equal("healthy", (string)body["status"]!);
        Assert.Equal("healthy", (string)body["checks"]!["uni-authorize-decision-store"]!["status"]!);
        Assert.Equal("healthy", (string)body["checks"]!["uni-authorize-change-feed"]!["status"]!);
    }

    [Fact]
    public async Task Readyz_StoreThrows_Answers503WithoutTheErrorMessage()
    {
        var store = new SwitchableDecisionStore { Down = true };
        await using var host = new TestHost(services: s => s.Replace(ServiceDescriptor.Singleton<IDecisionStore>(store)));
        using var client = host.CreateClient();

        var down = await client.GetAsync("/readyz");
        var text = await down.Content.ReadAsStringAsync();
        store.Down = false;
        var back = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("unhealthy", (string)JsonNode.Parse(text)!["checks"]!["uni-authorize-decision-store"]!["status"]!);
        Assert.DoesNotContain(SwitchableDecisionStore.Secret, text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task Readyz_ChangeFeedLost_Answers503UntilItIsBack()
    {
        var feed = new FakeChangeFeed { IsHealthy = false };
        await using var host = new TestHost(services: s => s.AddSingleton<IDecisionChangeFeed>(feed));
        using var client = host.CreateClient();

        var lost = await client.GetAsync("/readyz");
        feed.IsHealthy = true;
        var back = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.StatusCode);
        Assert.Equal("unhealthy", (string)(await Body(lost))["checks"]!["uni-authorize-change-feed"]!["status"]!);
        Assert.Equal("healthy", (string)(await Body(lost))["checks"]!["uni-authorize-decision-store"]!["status"]!);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    private static async Task<JsonObject> Body(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    /// <summary>A decision store that fails every call while <see cref="Down"/> is set, with a message that must not be shown.</summary>
    private sealed class SwitchableDecisionStore : IDecisionStore
    {
        public const string Secret = "Password=hunter2-from-the-exception";
        private readonly InMemoryDecisionStore _inner = new();
        private int _calls;

        public volatile bool Down;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default) =>
            Enter() ? _inner.GetAsync(subject, scope, cancellationToken) : throw Gone();

        public ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default) =>
            Enter() ? _inner.ListAsync(subject, cancellationToken) : throw Gone();

        public ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default) =>
            Enter() ? _inner.TryWriteAsync(write, cancellationToken) : throw Gone();

        public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default) =>
            Enter() ? _inner.GetAuditAsync(subject, cancellationToken) : throw Gone();


        public ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default) => _inner.ListUserAsync(userId, cancellationToken);

        public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default) => _inner.GetUserAuditAsync(userId, cancellationToken);

        public ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default) => _inner.EraseUserAsync(userId, cancellationToken);
        public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default) =>
            Enter() ? _inner.PruneExpiredAsync(now, batchSize, cancellationToken) : throw Gone();

        private bool Enter()
        {
            Interlocked.Increment(ref _calls);
            return !Down;
        }

        private static IOException Gone() => new("database gone: " + Secret);
    }

    private sealed class FakeChangeFeed : IDecisionChangeFeed
    {
        public bool IsHealthy { get; set; }

        public event Action<Subject, string>? Changed
        {
            add { }
            remove { }
        }

        public event Action<bool>? HealthChanged
        {
            add { }
            remove { }
        }
    }
}
