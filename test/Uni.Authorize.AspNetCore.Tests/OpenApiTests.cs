using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class OpenApiTests
{
    [Fact]
    public async Task OpenApiDocument_ListsTheMiniAppUserAdminAndExchangeEndpoints()
    {
        await using var host = new TestHost();
        using var client = host.CreateClient();

        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");

        var paths = document!["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        Assert.Contains("/api/v1/authorize", paths);
        Assert.Contains("/api/v1/calls/{id}", paths);
        Assert.Contains("/api/v1/user/consents/{id}/answer", paths);
        Assert.Contains("/admin/v1/sessions", paths);
        Assert.Contains("/api/v1/exchange/wechat/jscode2session", paths);
    }

    [Fact]
    public async Task OpenApiDocument_LeavesOutTheHealthProbes()
    {
        await using var host = new TestHost();
        using var client = host.CreateClient();

        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");

        var paths = document!["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        Assert.DoesNotContain("/healthz", paths);
        Assert.DoesNotContain("/readyz", paths);
    }
}
