using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class SlowStoreTests
{
    [Fact]
    public async Task Authorize_GrantedScopeOnASlowStoreWithWaitZero_AnswersTheGrantNotPending()
    {
        await using var host = new TestHost(services: s => s.Replace(ServiceDescriptor.Singleton<IDecisionStore>(new SlowDecisionStore(new InMemoryDecisionStore()))));
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        using var app = await host.MiniAppAsync(appId, await host.CreateUserAsync("alice"));
        using var user = await host.UserAsync("alice");
        var call = PostJson(app, "/api/v1/authorize?wait=15", new { scope = "scope.camera" });
        await AnswerAsync(user, (string)(await PendingConsentAsync(user))["id"]!, "allow");
        await call.WaitAsync(Patience);

        var response = await PostJson(app, "/api/v1/authorize?wait=0", new { scope = "scope.camera" }).WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (string)(await Json(response))["status"]!);
    }

    /// <summary>A store whose every read completes asynchronously, as a database's does.</summary>
    private sealed class SlowDecisionStore(IDecisionStore inner) : IDecisionStore
    {
        public async ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default)
        {
            await Task.Delay(50, cancellationToken);
            return await inner.GetAsync(subject, scope, cancellationToken);
        }

        public ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default) => inner.ListAsync(subject, cancellationToken);

        public ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default) => inner.TryWriteAsync(write, cancellationToken);

        public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default) => inner.GetAuditAsync(subject, cancellationToken);


        public ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default) => inner.ListUserAsync(userId, cancellationToken);

        public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default) => inner.GetUserAuditAsync(userId, cancellationToken);

        public ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default) => inner.EraseUserAsync(userId, cancellationToken);
        public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default) => inner.PruneExpiredAsync(now, batchSize, cancellationToken);
    }
}
