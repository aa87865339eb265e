namespace Uni.Authorize;

/// <summary>Whose decision it is: one user inside one app. Decisions never cross subjects.</summary>
/// <param name="AppId">The mini-app the user is in.</param>
/// <param name="UserId">The user who answers the consent.</param>
public readonly record struct Subject(string AppId, string UserId)
{
    /// <summary>The longest app or user id accepted.</summary>
    public const int MaxIdLength = 128;

    /// <summary>The subject of a single-user, single-app setup.</summary>
    public static Subject Default { get; } = new("default", "default");

    /// <summary>Whether both ids are present, at most <see cref="MaxIdLength"/> characters and free of control characters.</summary>
    public bool IsValid => IsValidId(AppId) && IsValidId(UserId);

    internal static bool IsValidId(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > MaxIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <see cref="IsValid"/> is false.</summary>
    public void EnsureValid()
    {
        if (!IsValid)
        {
            throw new ArgumentException(
                $"A subject needs an app id and a user id of 1 to {MaxIdLength} characters without control characters.");
        }
    }
}
