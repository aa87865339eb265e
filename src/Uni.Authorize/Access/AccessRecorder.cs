using System.Diagnostics.Metrics;
using System.Numerics;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize;

/// <summary>
/// The buffer between the API gate and the <see cref="IAccessRecordStore"/>, registered by <c>AddAccessReport</c>. The
/// gate adds each use without allocating or waiting; a background writer empties it in batches. When it is full a use is
/// dropped and counted (<c>uni.authorize.access.dropped</c>), never waited for.
/// </summary>
// A bounded lock-free ring of structs (Vyukov's bounded queue): many producers, one consumer at a time.
public sealed class AccessRecorder : IDisposable
{
    private readonly Slot[] _slots;
    private readonly long _mask;
    private readonly IAccessRecordStore _store;
    private readonly int _batchSize;
    private readonly ILogger _logger;
    private readonly AuthorizeTelemetry _telemetry;
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly AccessRecord[] _batch;
    private long _enqueued;
    private long _dequeued;

    internal AccessRecorder(IAccessRecordStore store, AccessReportOptions options, TimeProvider time, ILogger logger, IMeterFactory? meterFactory)
    {
        new AccessReportOptionsValidator().ThrowIfInvalid(options);
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)options.BufferCapacity);
        _slots = new Slot[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _slots[i].Sequence = i;
        }

        _mask = capacity - 1;
        _store = store;
        _batchSize = options.BatchSize;
        _batch = new AccessRecord[Math.Min(_batchSize, capacity)];
        Time = time;
        Retention = options.Retention;
        _logger = logger;
        _telemetry = new AuthorizeTelemetry(meterFactory, this);
    }

    internal TimeProvider Time { get; }

    internal TimeSpan Retention { get; }

    internal IAccessRecordStore Store => _store;

    /// <summary>Buffers one use of <paramref name="api"/> now; <see langword="false"/> (and counted) when the buffer is full.</summary>
    internal bool Record(Subject subject, string scope, string api)
    {
        var position = Volatile.Read(ref _enqueued);
        while (true)
        {
            ref var slot = ref _slots[position & _mask];
            var difference = Volatile.Read(ref slot.Sequence) - position;
            if (difference == 0)
            {
                if (Interlocked.CompareExchange(ref _enqueued, position + 1, position) == position)
                {
                    slot.Record = new AccessRecord(subject.AppId, subject.UserId, scope, api, Time.GetUtcNow());
                    Volatile.Write(ref slot.Sequence, position + 1);
                    return true;
                }

                position = Volatile.Read(ref _enqueued);
            }
            else if (difference < 0)
            {
                _telemetry.AccessDropped.Add(1, new KeyValuePair<string, object?>("reason", "buffer_full"));
                return false;
            }
            else
            {
                position = Volatile.Read(ref _enqueued);
            }
        }
    }

    /// <summary>Writes everything buffered so far, batch after batch (erasing a user's records calls it first). A batch
    /// the store refuses is logged and counted as dropped: keeping it would only fill the buffer while the store is down.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int count;
            while ((count = Take(_batch)) > 0)
            {
                try
                {
                    await _store.AppendAsync(new ArraySegment<AccessRecord>(_batch, 0, count), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Log.AccessRecordsNotWritten(_logger, count, ex);
                    _telemetry.AccessDropped.Add(count, new KeyValuePair<string, object?>("reason", "store_failed"));
                }
                finally
                {
                    // Drop the references so the strings of written records can be collected.
                    Array.Clear(_batch, 0, count);
                }

                if (count < _batch.Length)
                {
                    break;
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <inheritdoc />
    // The semaphore is left to the collector: a host may stop its writer (which flushes) after disposing the container.
    public void Dispose() => _telemetry.Dispose();

    // One consumer at a time (FlushAsync holds _flushing).
    private int Take(AccessRecord[] into)
    {
        var count = 0;
        while (count < into.Length)
        {
            var position = _dequeued;
            ref var slot = ref _slots[position & _mask];
            if (Volatile.Read(ref slot.Sequence) != position + 1)
            {
                break;
            }

            into[count++] = slot.Record;
            slot.Record = default;
            _dequeued = position + 1;
            Volatile.Write(ref slot.Sequence, position + _mask + 1);
        }

        return count;
    }

    private struct Slot
    {
        public long Sequence;
        public AccessRecord Record;
    }
}
