using System.Text.Json.Serialization;

namespace Uni.Authorize;

/// <summary>Options of <see cref="DecisionManager.ImportDecisionsAsync"/>.</summary>
public sealed class DecisionImportOptions
{
    /// <summary>Whether a decision in the document replaces a stored answer for the same scope. Default
    /// <see langword="false"/>: the user's current answers win and those scopes are reported as skipped.</summary>
    public bool ReplaceExisting { get; set; }
}

/// <summary>What <see cref="DecisionManager.ImportDecisionsAsync"/> did.</summary>
/// <param name="Imported">The scopes written.</param>
/// <param name="Skipped">The scopes left alone: already answered (without <see cref="DecisionImportOptions.ReplaceExisting"/>)
/// or expired in the document.</param>
public sealed record DecisionImportResult(IReadOnlyList<string> Imported, IReadOnlyList<string> Skipped);

// The JSON form of a subject's decisions: a user's data request, readable by people and other systems.
internal sealed record DecisionDocument(
    string Format,
    string AppId,
    string UserId,
    DateTimeOffset ExportedAt,
    IReadOnlyList<DecisionDocumentEntry> Decisions,
    IReadOnlyList<DecisionDocumentAuditEntry>? Audit = null)
{
    public const string CurrentFormat = "uni-authorize.decisions/1";
}

// The purpose version and lifetime are optional, so documents written before they existed still import (as standing
// answers to no declared purpose).
internal sealed record DecisionDocumentEntry(
    string Scope,
    DecisionState State,
    DecisionSource Source,
    DateTimeOffset DecidedAt,
    DateTimeOffset? ExpiresAt,
    long PurposeVersion = 0,
    DecisionLifetime Lifetime = DecisionLifetime.Standing);

internal sealed record DecisionDocumentAuditEntry(
    string Scope,
    DecisionState From,
    DecisionState To,
    DecisionSource Source,
    DateTimeOffset At,
    long PurposeVersion = 0,
    DecisionLifetime Lifetime = DecisionLifetime.Standing);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    AllowTrailingCommas = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(DecisionDocument))]
internal sealed partial class DecisionDocumentJson : JsonSerializerContext;
