using System.Text.Json;

namespace Uni.Authorize;

/// <summary>
/// The base of the exceptions a failed call throws, in the core (<c>AuthorizeException</c>) and in the client
/// (<c>AuthorizeRejectedException</c>, <c>UniAuthorizeProblemException</c>): a stable error code and, when the
/// platform gave one, its native payload.
/// </summary>
public abstract class UniAuthorizeException : Exception
{
    /// <summary>Creates the exception with its stable code.</summary>
    protected UniAuthorizeException(string errorCode, string message, Exception? innerException = null)
        : base(message, innerException) =>
        ErrorCode = errorCode ?? throw new ArgumentNullException(nameof(errorCode));

    /// <summary>Why the call failed, as the HTTP API names it: <c>denied</c>, <c>prompt_timed_out</c>,
    /// <c>session_invalid</c>, ...</summary>
    public string ErrorCode { get; }

    /// <summary>The payload the platform's own call gives its fail callback, as JSON (compare two with
    /// <see cref="JsonElement.DeepEquals"/>); <see langword="null"/> when the failure has none (the host refused the request).</summary>
    public virtual JsonElement? NativeJson => null;
}
