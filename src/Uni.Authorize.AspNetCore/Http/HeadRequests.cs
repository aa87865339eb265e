using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// HEAD wherever GET: <c>MapGet</c> matches GET only, so a convention on the host's endpoints lets each GET endpoint
/// answer HEAD as well, with the same status and headers (Kestrel sends no body for HEAD). It travels with the
/// endpoints, so an app that maps the host gets it without any middleware.
/// </summary>
internal static class HeadRequests
{
    /// <summary>Adds HEAD to the methods of every endpoint of <paramref name="builder"/> that answers GET.</summary>
    public static TBuilder AnswerHeadLikeGet<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        // Finally: after the endpoint's own conventions, so the methods seen are the ones routing will use.
        builder.Finally(static endpoint =>
        {
            var metadata = endpoint.Metadata;
            for (var i = metadata.Count - 1; i >= 0; i--)
            {
                if (metadata[i] is not IHttpMethodMetadata methods)
                {
                    continue;
                }

                if (methods.HttpMethods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase)
                    && !methods.HttpMethods.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase))
                {
                    metadata[i] = new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight);
                }

                return;
            }
        });
        return builder;
    }
}
