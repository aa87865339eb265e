namespace Uni.Authorize;

/// <summary>The settings page: shows the scopes an app has asked for and returns the changes the user made.</summary>
public interface ISettingsPresenter
{
    /// <summary>Shows <paramref name="view"/> and returns the user's changes (none when the user changed nothing).</summary>
    ValueTask<IReadOnlyList<SettingChange>> PresentAsync(SettingsView view, CancellationToken cancellationToken);
}

/// <summary>What the settings page shows.</summary>
/// <param name="Subject">The app and user.</param>
/// <param name="Platform">The platform whose keys apply.</param>
/// <param name="Entries">One entry per scope the app has asked for.</param>
public sealed record SettingsView(Subject Subject, Platform Platform, IReadOnlyList<SettingsEntry> Entries);

/// <summary>One switch of the settings page.</summary>
/// <param name="Scope">The scope.</param>
/// <param name="Key">The platform's settings key (<c>scope.userLocation</c>; Alipay: <c>camera</c>).</param>
/// <param name="State">Its state now.</param>
public sealed record SettingsEntry(ScopeDefinition Scope, string Key, DecisionState State)
{
    /// <summary>How long the decision lasts (a grant "while using" ends with the mini-app session).</summary>
    public DecisionLifetime Lifetime { get; init; }
}

/// <summary>A change the user made in settings.</summary>
/// <param name="Scope">The scope: canonical name, native name or settings key.</param>
/// <param name="State">Granted, denied, or not determined (ask again next time).</param>
public readonly record struct SettingChange(string Scope, DecisionState State);

/// <summary>The decided scopes as the platform shows them (<c>getSetting</c>, <c>openSetting</c>).</summary>
public sealed class AuthSettings
{
    internal AuthSettings(Platform platform, IReadOnlyDictionary<string, bool> authSetting, IReadOnlyList<Decision> decisions, IReadOnlyDictionary<string, object?> native)
    {
        Platform = platform;
        AuthSetting = authSetting;
        Decisions = decisions;
        Native = native;
    }

    /// <summary>The platform whose keys apply.</summary>
    public Platform Platform { get; }

    /// <summary>Decided scopes by the platform's key: <see langword="true"/> granted, <see langword="false"/> denied.</summary>
    public IReadOnlyDictionary<string, bool> AuthSetting { get; }

    /// <summary>The decisions behind <see cref="AuthSetting"/> that are in effect.</summary>
    public IReadOnlyList<Decision> Decisions { get; }

    /// <summary>The platform's own payload (<c>{errMsg: "getSetting:ok", authSetting: {...}}</c>; Alipay: <c>{authSetting}</c>).</summary>
    public IReadOnlyDictionary<string, object?> Native { get; }
}

/// <summary>Raised after a decision was written by the engine.</summary>
public sealed class DecisionChangedEventArgs(Decision decision, DecisionState previous) : EventArgs
{
    /// <summary>The decision now stored.</summary>
    public Decision Decision { get; } = decision;

    /// <summary>The state before the change.</summary>
    public DecisionState Previous { get; } = previous;
}
