using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>Boundary: the privacy contract the bridge opens for the user is a page of this host, by the same rule as the
/// sign-in return URLs (one rule, not two). An operator's typo or a hostile value cannot send the user elsewhere.</summary>
public sealed class PrivacyContractUrlTests : IAsyncLifetime
{
    // Each is another host to a browser: tabs and newlines are dropped, backslashes read as slashes.
    public static TheoryData<string> Elsewhere => new()
    {
        "/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "http://evil.example/privacy",
        "/\n/evil.example", "\\\\evil.example", "javascript:alert(1)", "privacy.html", "/ok\\..\\x",
    };

    private readonly TestHost _host = new();
    private HttpClient _admin = null!;
    private string _appId = null!;

    public async ValueTask InitializeAsync()
    {
        _admin = _host.Admin();
        (_appId, _) = await _host.CreateAppAsync(Platform.WeChat);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [MemberData(nameof(Elsewhere))]
    public async Task AdminSetPrivacyContract_UrlOfAnotherHost_IsRefusedWithAClearError(string url)
    {
        var response = await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/privacy-contract", new { name = "《指引》", url });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Json(response);
        Assert.Equal("invalid_privacy_contract", (string)problem["code"]!);
        Assert.Contains("'url' must be a path on this host", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Null((await _host.Services.GetRequiredService<IIdentityStore>().GetAppAsync(_appId, TestContext.Current.CancellationToken))!.PrivacyContractUrl);
    }

    [Theory]
    [MemberData(nameof(Elsewhere))]
    public async Task HostOptions_PrivacyContractUrlOfAnotherHost_FailsAtStartNamingTheSetting(string url)
    {
        await using var host = new TestHost(new Dictionary<string, string?>
        {
            ["Host:PrivacyContracts:wx-app:Name"] = "《指引》",
            ["Host:PrivacyContracts:wx-app:Url"] = url,
        });

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains("Host:PrivacyContracts[wx-app].Url must be a path on this host", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Elsewhere))]
    public void PrivacyContractRule_AnotherHost_IsTheReturnUrlRule(string url)
    {
        Assert.False(PrivacyContract.IsValidUrl(url));
        Assert.Equal("/", Uni.Authorize.Host.SignInSetup.LocalReturnUrl(url));
    }

    [Theory]
    [InlineData("/privacy.html")]
    [InlineData("/privacy/wx-app.html?v=2#top")]
    public async Task AdminSetPrivacyContract_PathOnTheHost_IsKeptAndHandedToTheBridge(string url)
    {
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/privacy-contract", new { name = "《指引》", url })).StatusCode);
        var userId = await _host.CreateUserAsync("alice");
        using var app = await _host.MiniAppAsync(_appId, userId);

        var contract = await Json(await app.GetAsync("/api/v1/privacy/contract"));

        Assert.Equal(url, (string)contract["url"]!);
        Assert.Equal(url, Uni.Authorize.Host.SignInSetup.LocalReturnUrl(url));
    }

    [Fact]
    public async Task PrivacyContract_UrlStoredBeforeTheRule_IsNotHandedToTheBridge()
    {
        var store = _host.Services.GetRequiredService<IIdentityStore>();
        var stored = (await store.GetAppAsync(_appId, TestContext.Current.CancellationToken))!;
        Assert.True(await store.UpdateAppAsync(stored with { PrivacyContractName = "《指引》", PrivacyContractUrl = "/\t/evil.example" }, TestContext.Current.CancellationToken));
        var userId = await _host.CreateUserAsync("alice");
        using var app = await _host.MiniAppAsync(_appId, userId);

        var response = await app.GetAsync("/api/v1/privacy/contract");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.DoesNotContain("evil.example", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
