namespace Uni.Authorize;

/// <summary>The user's answer for one scope.</summary>
public enum DecisionState
{
    /// <summary>Never answered, dismissed, reset in settings, or expired: the next call asks.</summary>
    NotDetermined = 0,

    /// <summary>Allowed: every API of the scope works without asking.</summary>
    Granted = 1,

    /// <summary>Refused: calls fail at once without a dialog.</summary>
    Denied = 2,
}

/// <summary>How a decision came to be.</summary>
public enum DecisionSource
{
    /// <summary>The user answered the consent dialog.</summary>
    Prompt = 0,

    /// <summary>The user changed it on the settings page.</summary>
    Settings = 1,

    /// <summary>An administrator or an import set it.</summary>
    Admin = 2,

    /// <summary>A policy set it, for example an expiry reset.</summary>
    Policy = 3,
}

/// <summary>How long an answer lasts.</summary>
public enum DecisionLifetime
{
    /// <summary>Until changed (or until <see cref="Decision.ExpiresAt"/>, when a policy set one).</summary>
    Standing = 0,

    /// <summary>For the one call that asked: the decision is stored already expired, so the next call asks again.</summary>
    Once = 1,

    /// <summary>While the app is in use: until the user's mini-app session with the app ends (revoked, signed out or expired).</summary>
    WhileUsing = 2,
}
