using System.Net;
using System.Net.Http.Headers;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The pages' files as the host serves them: typed, revalidated by ETag, nothing else reachable.</summary>
public sealed class PageAssetTests(HostProcess host)
{
    [Theory]
    [InlineData("/assets/host.js", "text/javascript")]
    [InlineData("/assets/host.css", "text/css")]
    [InlineData("/assets/icon.svg", "image/svg+xml")]
    [InlineData("/consent", "text/html")]
    [InlineData("/my-data", "text/html")]
    [InlineData("/console", "text/html")]
    [InlineData("/assets/my-data.js", "text/javascript")]
    public async Task Asset_Get_ServedWithTypeAndRevalidatedByETag(string path, string mediaType)
    {
        using var first = await host.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(mediaType, first.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", first.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(etag);
        using var second = await host.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);

        using var stale = new HttpRequestMessage(HttpMethod.Get, path);
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"old\""));
        using var third = await host.Http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Theory]
    [InlineData("/assets/nothing.js")]
    [InlineData("/assets/demo.html")]
    [InlineData("/assets/..%2Fappsettings.json")]
    [InlineData("/assets/%2E%2E%2F%2E%2E%2FUni.Authorize.Host.dll")]
    public async Task Asset_UnknownOrPageName_NotFoundProblem(string path)
    {
        using var response = await host.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
