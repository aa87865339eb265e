using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>
/// Boundary: after a user erases their data (<c>DELETE /api/v1/user/data</c>), the webhook outbox no longer names them by
/// the host's id. Their pending events (scopes and times) are gone; each app's <c>user.erased</c> event keeps only the id
/// that app already knows the user by, so that it can erase its copy. Read from the real SQLite file, every column.
/// </summary>
public sealed class ErasureWebhookOutboxTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("uni-erasure-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task EraseUserData_PendingEventsOfTheUser_NoOutboxRowHoldsTheUserIdAndOnlyUserErasedHoldsTheOpenId()
    {
        await using var host = new TestHost(new()
        {
            ["Store:Provider"] = "Sqlite",
            ["Store:DataDirectory"] = _data,
            // Nothing is delivered: the events stay in the outbox as an attacker with the file would find them.
            ["Webhooks:Enabled"] = "false",
        });
        using var admin = host.Admin();
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        var (otherAppId, _) = await host.CreateAppAsync(Platform.Alipay);
        var userId = await host.CreateUserAsync("alice");
        var bystander = await host.CreateUserAsync("bob");
        foreach (var app in new[] { appId, otherAppId })
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync($"/admin/v1/apps/{app}/webhook", new { url = "https://hooks.example.com/uni" }, Ct)).StatusCode);
        }

        var decisions = host.Services.GetRequiredService<DecisionManager>();
        foreach (var (app, someone) in new[] { (appId, userId), (otherAppId, userId), (appId, bystander) })
        {
            await decisions.SetDecisionAsync(new Subject(app, someone), "scope.userLocation", DecisionState.Granted, DecisionSource.Prompt, Platform.WeChat, Ct);
            await decisions.SetDecisionAsync(new Subject(app, someone), "scope.userLocation", DecisionState.Denied, DecisionSource.Settings, Platform.WeChat, Ct);
        }

        var session = await Json(await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId, userId }, Ct));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/admin/v1/sessions/revoke", new { token = (string)session["token"]! }, Ct)).StatusCode);
        var pseudonyms = host.Services.GetRequiredService<Pseudonyms>();
        var openIds = new[] { await pseudonyms.OpenIdAsync(appId, userId, Ct), await pseudonyms.AlipayOpenIdAsync(otherAppId, userId, Ct) };
        Assert.Contains(Rows(), r => r.Contains(userId, StringComparison.Ordinal));

        using var user = await host.UserAsync("alice");
        Assert.Equal(HttpStatusCode.OK, (await user.DeleteAsync("/api/v1/user/data", Ct)).StatusCode);

        var rows = Rows();
        Assert.DoesNotContain(rows, r => r.Contains(userId, StringComparison.Ordinal));
        var erased = rows.Where(r => openIds.Any(o => r.Contains(o, StringComparison.Ordinal))).ToArray();
        Assert.Equal(2, erased.Length);
        Assert.All(erased, r => Assert.Contains($"|kind={(int)WebhookEventKind.UserErased}|", r, StringComparison.Ordinal));
        Assert.All(erased, r => Assert.Contains("|scope=|", r, StringComparison.Ordinal));
        // The other user's event is untouched.
        Assert.Single(rows, r => r.Contains(bystander, StringComparison.Ordinal));
        Assert.Equal(3, rows.Count);
    }

    // Every row of the outbox as "|column=value|..." straight from the file.
    private List<string> Rows()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "decisions.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM webhook_outbox";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add("|" + string.Concat(Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)}={(reader.IsDBNull(i) ? "" : reader.GetValue(i))}|")));
        }

        return rows;
    }
}
