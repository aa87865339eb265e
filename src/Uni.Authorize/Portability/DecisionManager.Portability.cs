using System.Text.Json;

namespace Uni.Authorize;

public sealed partial class DecisionManager
{
    /// <summary>The largest document <see cref="ImportDecisionsAsync"/> reads.</summary>
    public const int MaxImportBytes = 1024 * 1024;

    /// <summary>Writes every decision and the audit trail of <paramref name="subject"/> as JSON (a user's data request).</summary>
    /// <exception cref="ArgumentException">The subject is invalid.</exception>
    /// <exception cref="AuthorizeException">The store is unavailable.</exception>
    public async ValueTask ExportDecisionsAsync(Subject subject, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var (decisions, audit) = await ExportAsync(subject, cancellationToken).ConfigureAwait(false);

        var document = new DecisionDocument(
            DecisionDocument.CurrentFormat, subject.AppId, subject.UserId, _engine.Time.GetUtcNow(),
            [.. decisions.Select(d => new DecisionDocumentEntry(d.Scope, d.State, d.Source, d.DecidedAt, d.ExpiresAt, d.PurposeVersion, d.Lifetime))],
            [.. audit.Select(a => new DecisionDocumentAuditEntry(a.Scope, a.From, a.To, a.Source, a.At, a.PurposeVersion, a.Lifetime))]);
        await JsonSerializer.SerializeAsync(destination, document, DecisionDocumentJson.Default.DecisionDocument, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a document written by <see cref="ExportDecisionsAsync"/> for the same subject and records its
    /// decisions (source <see cref="DecisionSource.Admin"/>; original times, purpose versions and lifetimes kept). Nothing is written unless the whole
    /// document is valid.</summary>
    /// <exception cref="InvalidDataException">The document is not valid JSON of this format, is larger than
    /// <see cref="MaxImportBytes"/>, names another subject, or names an unknown scope or a scope twice.</exception>
    /// <exception cref="AuthorizeException">The store is unavailable; decisions written before the failure stay written.</exception>
    public async ValueTask<DecisionImportResult> ImportDecisionsAsync(Subject subject, Stream source, DecisionImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        subject.EnsureValid();
        var replace = options?.ReplaceExisting ?? false;
        var document = await ReadDocumentAsync(source, cancellationToken).ConfigureAwait(false);
        ValidateDocument(document, subject);

        var now = _engine.Time.GetUtcNow();
        var imported = new List<string>();
        var skipped = new List<string>();
        foreach (var entry in document.Decisions.OrderBy(e => e.Scope, StringComparer.Ordinal))
        {
            if (entry.ExpiresAt is { } expiresAt && expiresAt <= now)
            {
                skipped.Add(entry.Scope);
                continue;
            }

            if (await ImportOneAsync(subject, entry, replace, cancellationToken).ConfigureAwait(false))
            {
                imported.Add(entry.Scope);
            }
            else
            {
                skipped.Add(entry.Scope);
            }
        }

        return new DecisionImportResult(imported, skipped);
    }

    private static async ValueTask<DecisionDocument> ReadDocumentAsync(Stream source, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxImportBytes)
            {
                throw new InvalidDataException($"The decision document is larger than {MaxImportBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), DecisionDocumentJson.Default.DecisionDocument)
                ?? throw new InvalidDataException("The decision document is empty (null).");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The decision document is not valid: {ex.Message}", ex);
        }
    }

    private static void ValidateDocument(DecisionDocument document, Subject subject)
    {
        if (!string.Equals(document.Format, DecisionDocument.CurrentFormat, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Unknown decision document format; expected \"{DecisionDocument.CurrentFormat}\".");
        }

        if (!string.Equals(document.AppId, subject.AppId, StringComparison.Ordinal) || !string.Equals(document.UserId, subject.UserId, StringComparison.Ordinal))
        {
            throw new InvalidDataException("The decision document belongs to another app or user; decisions never cross subjects.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in document.Decisions)
        {
            if (entry.Scope is null || !(ScopeCatalog.TryGet(entry.Scope, out _) || string.Equals(entry.Scope, ScopeCatalog.PrivacyAgreement.Name, StringComparison.Ordinal)))
            {
                throw new InvalidDataException($"The decision document names an unknown scope \"{entry.Scope}\".");
            }

            if (!seen.Add(entry.Scope))
            {
                throw new InvalidDataException($"The decision document names {entry.Scope} twice.");
            }

            if (!Enum.IsDefined(entry.State) || !Enum.IsDefined(entry.Source) || !Enum.IsDefined(entry.Lifetime))
            {
                throw new InvalidDataException($"The decision for {entry.Scope} has an unknown state, source or lifetime.");
            }

            if (entry.PurposeVersion < 0)
            {
                throw new InvalidDataException($"The decision for {entry.Scope} has a negative purpose version.");
            }
        }
    }

    private async ValueTask<bool> ImportOneAsync(Subject subject, DecisionDocumentEntry entry, bool replace, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            try
            {
                var current = await _engine.Store.GetAsync(subject, entry.Scope, cancellationToken).ConfigureAwait(false);
                var currentState = current?.EffectiveState(_engine.Time.GetUtcNow()) ?? DecisionState.NotDetermined;
                if (!replace && currentState != DecisionState.NotDetermined)
                {
                    return false;
                }

                // The purpose version travels with the answer: it was given to that purpose, so it stands until the purpose changes.
                var write = new DecisionWrite(subject, entry.Scope, entry.State, DecisionSource.Admin, entry.DecidedAt, entry.ExpiresAt, current?.Version ?? 0)
                {
                    PurposeVersion = entry.PurposeVersion,
                    Lifetime = entry.Lifetime,
                };
                var result = await _engine.Store.TryWriteAsync(write, cancellationToken).ConfigureAwait(false);
                if (result.Written)
                {
                    _engine.OnWritten(result.Current!, current?.State ?? DecisionState.NotDetermined);
                    return true;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new AuthorizeException(_engine.StoreFailure(_engine.Platform, "importDecisions", ex));
            }
        }

        throw new AuthorizeException(NativePayloads.Failure(_engine.Platform, "importDecisions", AuthorizeErrorCode.StoreUnavailable,
            "The decision kept changing under concurrent writes; try again."));
    }
}
