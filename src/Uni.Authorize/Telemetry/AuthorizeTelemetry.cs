using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Uni.Authorize;

/// <summary>The meter and activity source OpenTelemetry picks up by the name <c>Uni.Authorize</c>.</summary>
internal sealed class AuthorizeTelemetry : IDisposable
{
    public static readonly ActivitySource ActivitySource = new(UniAuthorizeTelemetry.ActivitySourceName);

    private readonly Meter _meter;

    // Without a factory the meter is scoped to its owner, so listeners can tell authorizers apart.
    public AuthorizeTelemetry(IMeterFactory? meterFactory, object owner)
    {
        _meter = meterFactory?.Create(UniAuthorizeTelemetry.MeterName) ?? new Meter(UniAuthorizeTelemetry.MeterName, version: null, tags: null, scope: owner);
        PromptsShown = _meter.CreateCounter<long>("uni.authorize.prompts", "{prompt}", "Consent dialogs shown.");
        Grants = _meter.CreateCounter<long>("uni.authorize.grants", "{decision}", "Scopes granted in a dialog or in settings.");
        Denials = _meter.CreateCounter<long>("uni.authorize.denials", "{decision}", "Scopes denied in a dialog or in settings.");
        FastFails = _meter.CreateCounter<long>("uni.authorize.fast_fails", "{call}", "Calls refused at once because the scope was denied before.");
        Undeclared = _meter.CreateCounter<long>("uni.authorize.undeclared", "{call}",
            "Calls refused at once because the app's manifest does not declare the scope or API.");
        Pruned = _meter.CreateCounter<long>("uni.authorize.pruned", "{row}", "Rows deleted by housekeeping, tagged with the kind pruned.");
        HousekeepingRounds = _meter.CreateCounter<long>("uni.authorize.housekeeping.rounds", "{round}",
            "Housekeeping rounds, tagged with their outcome: completed, failed or skipped (another instance held the lock).");
        AccessDropped = _meter.CreateCounter<long>("uni.authorize.access.dropped", "{record}",
            "Uses of gated APIs left out of the access report, tagged with the reason: buffer_full or store_failed.");
    }

    public Counter<long> PromptsShown { get; }

    public Counter<long> Grants { get; }

    public Counter<long> Denials { get; }

    public Counter<long> FastFails { get; }

    public Counter<long> Undeclared { get; }

    public Counter<long> Pruned { get; }

    public Counter<long> HousekeepingRounds { get; }

    public Counter<long> AccessDropped { get; }

    public void Dispose() => _meter.Dispose();
}
