using System.Diagnostics.Metrics;

namespace Uni.Authorize.AspNetCore;

/// <summary>The console's live figures: the <c>uni.authorize.*</c> counters of this instance's authorizer, heard through a
/// <see cref="MeterListener"/> and summed per minute in a ring of the last hour, and the consents open now (from the
/// consent store, so across every instance sharing it). The per-minute figures are this instance's only.</summary>
internal sealed class LiveFigures : IDisposable
{
    public const int Minutes = 60;

    private static readonly string[] Counters = ["uni.authorize.prompts", "uni.authorize.grants", "uni.authorize.denials", "uni.authorize.fast_fails"];

    private readonly long[] _minuteOf = new long[Minutes];
    private readonly long[][] _counts = [.. Enumerable.Range(0, Minutes).Select(_ => new long[Counters.Length])];
    private readonly Lock _gate = new();
    private readonly MeterListener _listener = new();
    private readonly IConsentStore _consents;
    private readonly TimeProvider _time;

    public LiveFigures(Authorizer authorizer, IConsentStore consents, TimeProvider time, IServiceProvider services)
    {
        _consents = consents;
        _time = time;
        var meterFactory = services.GetService<IMeterFactory>();
        // Only this host's authorizer: its meter is scoped to the DI meter factory, or to the authorizer without one.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            var scope = instrument.Meter.Scope;
            if (instrument.Meter.Name == UniAuthorizeTelemetry.MeterName && Array.IndexOf(Counters, instrument.Name) is var kind and >= 0
                && (ReferenceEquals(scope, authorizer) || (meterFactory is not null && ReferenceEquals(scope, meterFactory))))
            {
                listener.EnableMeasurementEvents(instrument, kind);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, state) => Add((int)state!, value));
        _listener.Start();
    }

    /// <summary>The consents open now and the last hour's figures, oldest minute first (the current minute last).</summary>
    public async ValueTask<LiveFiguresInfo> SnapshotAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var pending = await _consents.CountOpenConsentsAsync(now, cancellationToken).ConfigureAwait(false);
        var current = MinuteOf(now);
        var minutes = new List<MinuteFigures>(Minutes);
        lock (_gate)
        {
            for (var minute = current - Minutes + 1; minute <= current; minute++)
            {
                var slot = (int)(minute % Minutes);
                var counts = _minuteOf[slot] == minute ? _counts[slot] : new long[Counters.Length];
                minutes.Add(new MinuteFigures(DateTimeOffset.FromUnixTimeSeconds(minute * 60), counts[0], counts[1], counts[2], counts[3]));
            }
        }

        return new LiveFiguresInfo(now, pending, "instance", minutes);
    }

    public void Dispose() => _listener.Dispose();

    private void Add(int kind, long value)
    {
        var minute = MinuteOf(_time.GetUtcNow());
        var slot = (int)(minute % Minutes);
        lock (_gate)
        {
            if (_minuteOf[slot] != minute)
            {
                _minuteOf[slot] = minute;
                Array.Clear(_counts[slot]);
            }

            _counts[slot][kind] += value;
        }
    }

    private static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;
}
