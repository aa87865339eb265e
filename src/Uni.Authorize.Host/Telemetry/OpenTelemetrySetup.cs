using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Uni.Authorize.Host;

/// <summary>Exports the <c>Uni.Authorize</c> meter and activity source, with ASP.NET Core's, over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads the other <c>OTEL_*</c> variables, such as
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> and <c>OTEL_METRIC_EXPORT_INTERVAL</c>, itself).</summary>
internal static class OpenTelemetrySetup
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static bool AddIfConfigured(WebApplicationBuilder builder)
    {
        var endpoint = builder.Configuration[EndpointSetting];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return false;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{EndpointSetting} must be an http(s) URL, such as http://127.0.0.1:4318.");
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "uni-authorize-host"))
            .WithMetrics(static metrics => metrics
                .AddMeter(UniAuthorizeTelemetry.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter())
            .WithTracing(static tracing => tracing
                .AddSource(UniAuthorizeTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation(static o => o.Filter = static context => !HealthProbes.IsProbe(context.Request.Path))
                .AddOtlpExporter());
        return true;
    }
}
