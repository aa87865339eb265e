using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Uni.Authorize.AspNetCore.Tests.Webhooks;

/// <summary>Delivery by real host processes: killed between the write and the delivery, and several instances on one database.</summary>
public sealed class WebhookProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Delivery_HostKilledBetweenWriteAndDeliveryOnSqlite_RestartedHostDeliversTheEvent()
    {
        var data = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            await KilledScenarioAsync(["--Store:DataDirectory=" + data]);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Delivery_HostKilledBetweenWriteAndDeliveryOnPostgreSql_RestartedHostDeliversTheEvent()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var data = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            await KilledScenarioAsync(["--Store:Provider=PostgreSql", "--Store:ConnectionString=" + database.ConnectionString, "--Store:DataDirectory=" + data]);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Delivery_TwoInstancesOnPostgreSql_EachEventDeliveredExactlyOnce()
    {
        const int Events = 20;
        await using var database = await PostgresDatabase.CreateAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var dataA = Directory.CreateTempSubdirectory("uni-host-").FullName;
        var dataB = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            string[] Settings(string data) =>
            [
                "--Store:Provider=PostgreSql", "--Store:ConnectionString=" + database.ConnectionString, "--Store:DataDirectory=" + data,
                .. Delivering(enabled: true),
            ];
            await using var hostA = await HostProcess.StartAsync(Settings(dataA));
            await using var hostB = await HostProcess.StartAsync(Settings(dataB));
            using var adminA = Admin(hostA);
            using var adminB = Admin(hostB);
            var (appId, userId) = await AppAndUserAsync(adminA, receiver);

            await Parallel.ForAsync(0, Events, Ct, async (i, ct) =>
            {
                var admin = i % 2 == 0 ? adminA : adminB;
                await RevokeNewSessionAsync(admin, appId, userId);
            });
            var deliveries = await receiver.WaitForAsync(Events);
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);

            Assert.Equal(Events, receiver.Deliveries.Count);
            Assert.Equal(Events, deliveries.Select(d => d.Id).Distinct().Count());
            Assert.All(deliveries, d => Assert.Equal("1", d.Attempt));
        }
        finally
        {
            Directory.Delete(dataA, recursive: true);
            Directory.Delete(dataB, recursive: true);
        }
    }

    // The first host writes the event with delivery switched off, so it cannot have sent it, and dies without a goodbye.
    private static async Task KilledScenarioAsync(string[] store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using (var first = await HostProcess.StartAsync([.. store, .. Delivering(enabled: false)]))
        {
            using var admin = Admin(first);
            var (appId, userId) = await AppAndUserAsync(admin, receiver);
            await RevokeNewSessionAsync(admin, appId, userId);
            await first.KillAsync();
        }

        Assert.Empty(receiver.Deliveries);
        await using var second = await HostProcess.StartAsync([.. store, .. Delivering(enabled: true)]);

        var delivery = Assert.Single(await receiver.WaitForAsync(1));
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        Assert.Single(receiver.Deliveries);
        Assert.Equal("session.revoked", (string)JsonNode.Parse(delivery.Text)!["type"]!);
    }

    private static string[] Delivering(bool enabled) =>
    [
        "--Host:AdminKey=" + TestHost.AdminKey, "--Webhooks:Enabled=" + (enabled ? "true" : "false"), "--Webhooks:AllowHttpLoopback=true", "--Webhooks:AllowedNetworks:0=127.0.0.1",
        "--Webhooks:PollInterval=00:00:00.100",
    ];

    private static HttpClient Admin(HostProcess host)
    {
        var client = new HttpClient { BaseAddress = host.Address, Timeout = TestHost.Patience };
        client.DefaultRequestHeaders.Add("X-Admin-Key", TestHost.AdminKey);
        return client;
    }

    private static async Task<(string AppId, string UserId)> AppAndUserAsync(HttpClient admin, WebhookReceiver receiver)
    {
        var app = await TestHost.Json(await admin.PostAsJsonAsync("/admin/v1/apps", new { name = "Hooks", platform = "wechat" }, Ct));
        var appId = (string)app["id"]!;
        var user = await TestHost.Json(await admin.PostAsJsonAsync("/admin/v1/users", new { name = "hook-user" }, Ct));
        var hook = await admin.PutAsJsonAsync($"/admin/v1/apps/{appId}/webhook", new { url = receiver.Url }, Ct);
        Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
        return (appId, (string)user["id"]!);
    }

    private static async Task RevokeNewSessionAsync(HttpClient admin, string appId, string userId)
    {
        var session = await TestHost.Json(await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId, userId }, Ct));
        var revoked = await admin.PostAsJsonAsync("/admin/v1/sessions/revoke", new { token = (string)session["token"]! }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
    }
}
