using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Uni.Authorize.AspNetCore;

namespace Uni.Authorize.AspNetCore
{
    /// <summary>
    /// The phone numbers behind WeChat's <c>getPhoneNumber</c>, from a source the operator trusts (the host's own account
    /// system, a verified-number service). The app's server reads only what this provider answers; nothing a mini-app
    /// sends is taken as the user's number. Without one the API fails as an app without the capability does on WeChat.
    /// </summary>
    public interface IPhoneNumberProvider
    {
        /// <summary>The user's phone number, or <see langword="null"/> when they have none on file.</summary>
        ValueTask<PhoneNumberInfo?> GetPhoneNumberAsync(PhoneNumberRequest request, CancellationToken cancellationToken = default);
    }

    /// <summary>One <c>getPhoneNumber</c> of a mini-app, or its server's exchange of the code.</summary>
    /// <param name="AppId">The calling app.</param>
    /// <param name="UserId">The host's user.</param>
    public sealed record PhoneNumberRequest(string AppId, string UserId);

    /// <summary>A phone number as WeChat hands it out.</summary>
    /// <param name="CountryCode">The country calling code without <c>+</c>: <c>86</c> for mainland China (1 to 4 digits).</param>
    /// <param name="PurePhoneNumber">The number without the country code (4 to 15 digits).</param>
    public sealed record PhoneNumberInfo(string CountryCode, string PurePhoneNumber);

    /// <summary>The rules of WeChat's <c>getPhoneNumber</c> on the host: the scope of its codes, where the number comes from.</summary>
    internal static class PhoneNumbers
    {
        /// <summary>The scope recorded on the code a granted <c>getPhoneNumber</c> answers (see <see cref="ScopeCatalog"/>).</summary>
        public const string Scope = "phoneNumber";

        public const string Api = "getPhoneNumber";

        /// <summary>Mainland China, whose numbers WeChat hands out without the country code in <c>phoneNumber</c>.</summary>
        public const string MainlandCountryCode = "86";

        /// <summary>The number on file for the user, checked; <see langword="null"/> without a provider or a number.</summary>
        /// <exception cref="InvalidOperationException">The provider answered a malformed number.</exception>
        public static async ValueTask<PhoneNumberInfo?> FindAsync(IServiceProvider services, string appId, string userId, CancellationToken cancellationToken)
        {
            if (services.GetService<IPhoneNumberProvider>() is not { } provider)
            {
                return null;
            }

            var number = await provider.GetPhoneNumberAsync(new PhoneNumberRequest(appId, userId), cancellationToken).ConfigureAwait(false);
            if (number is not null && !(IsDigits(number.CountryCode, 1, 4) && IsDigits(number.PurePhoneNumber, 4, 15)))
            {
                throw new InvalidOperationException("The IPhoneNumberProvider answered a country code other than 1 to 4 digits, or a number other than 4 to 15 digits.");
            }

            return number;
        }

        /// <summary>The API gate's answer before anyone is asked, when <c>getPhoneNumber</c> cannot succeed: no provider
        /// (WeChat's answer to an app without the capability) or no number on file (as a refusal). <see langword="null"/> otherwise.</summary>
        public static async ValueTask<IResult?> RefusalAsync(HttpContext context, SessionContext session, string api)
        {
            if (session.App.Platform != Platform.WeChat || api != Api)
            {
                return null;
            }

            var errMsg = context.RequestServices.GetService<IPhoneNumberProvider>() is null
                ? "getPhoneNumber:fail no permission"
                : await FindAsync(context.RequestServices, session.App.Id, session.Subject.UserId, context.RequestAborted).ConfigureAwait(false) is null
                    ? "getPhoneNumber:fail auth deny"
                    : null;
            return errMsg is null
                ? null
                : TypedResults.Json(new CallResponse("fail", PlatformNames.Of(Platform.WeChat)) { Native = new Dictionary<string, object?> { ["errMsg"] = errMsg } }, HostJson.Default.CallResponse);
        }

        private static bool IsDigits(string? value, int min, int max) =>
            value is not null && value.Length >= min && value.Length <= max && value.All(char.IsAsciiDigit);
    }
}

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers the trusted source of the phone numbers WeChat's <c>getPhoneNumber</c> hands to app servers.</summary>
    public static class PhoneNumberUniAuthorizeBuilderExtensions
    {
        /// <summary>Makes <typeparamref name="TProvider"/> (a singleton) the source of the numbers the app's server reads at
        /// <c>wxa/business/getuserphonenumber</c>; the first registration wins.</summary>
        public static IUniAuthorizeBuilder AddPhoneNumberProvider<TProvider>(this IUniAuthorizeBuilder builder)
            where TProvider : class, IPhoneNumberProvider
        {
            ArgumentNullException.ThrowIfNull(builder);
            builder.Services.TryAddSingleton<IPhoneNumberProvider, TProvider>();
            return builder;
        }
    }
}
