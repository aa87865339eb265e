namespace Uni.Authorize;

/// <summary>The names Uni.Authorize reports under, for OpenTelemetry's <c>AddSource</c> and <c>AddMeter</c>.</summary>
public static class UniAuthorizeTelemetry
{
    /// <summary>The activity source of the <c>authorize</c> span: <c>Uni.Authorize</c>.</summary>
    public const string ActivitySourceName = "Uni.Authorize";

    /// <summary>The meter of the <c>uni.authorize.*</c> counters (prompts, grants, denials, fast fails): <c>Uni.Authorize</c>.</summary>
    public const string MeterName = "Uni.Authorize";
}
