using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Uni.Authorize.Host;

/// <summary>
/// Where the host keeps its data-protection keys (the keys behind cookies, antiforgery tokens and the secrets encrypted at
/// rest): the <c>uni_authorize.data_protection_keys</c> table with PostgreSQL, owner-only files in <c>keys/</c> of the
/// data folder with SQLite. <c>DataProtection:Certificate:Path</c> (a PFX, with <c>:Password</c>) or
/// <c>DataProtection:Certificate:Thumbprint</c> (from the current user's store) encrypts those keys with the
/// certificate (ASP.NET Core's <c>ProtectKeysWithCertificate</c>), so the database or folder alone reveals nothing.
/// </summary>
internal static class HostDataProtection
{
    public const string CertificatePath = "DataProtection:Certificate:Path";
    public const string CertificatePassword = "DataProtection:Certificate:Password";
    public const string CertificateThumbprint = "DataProtection:Certificate:Thumbprint";

    public static void Add(WebApplicationBuilder builder, StoreSettings store)
    {
        var services = builder.Services;
        IDataProtectionBuilder? protection = null;
        if (store.Provider == "PostgreSql")
        {
            // Every instance on the database reads the cookies and antiforgery tokens any of them issued.
            protection = services.AddDataProtection().SetApplicationName("Uni.Authorize.Host");
            services.AddSingleton(_ => new PostgreSqlXmlRepository(store.ConnectionString!, "uni_authorize"));
            services.AddOptions<KeyManagementOptions>().Configure<PostgreSqlXmlRepository>(static (o, repository) => o.XmlRepository = repository);
        }
        else if (store.DataDirectory is { } data)
        {
            // Cookies and antiforgery tokens stay valid across restarts; each key file is owner-only when written.
            var keys = new DirectoryInfo(Path.Combine(data, "keys"));
            DataFolder.Create(keys.FullName);
            protection = services.AddDataProtection().SetApplicationName("Uni.Authorize.Host");
            services.AddOptions<KeyManagementOptions>().Configure<ILoggerFactory>((o, loggers) => o.XmlRepository = new OwnerOnlyXmlRepository(keys, loggers));
        }

        if (Certificate(builder.Configuration) is { } certificate)
        {
            (protection ?? services.AddDataProtection()).ProtectKeysWithCertificate(certificate);
        }
    }

    /// <summary>The configured certificate with its private key (to decrypt the keys again), or <see langword="null"/>.</summary>
    /// <exception cref="InvalidOperationException">A setting names no usable certificate (the message names the setting).</exception>
    internal static X509Certificate2? Certificate(IConfiguration configuration)
    {
        var path = configuration[CertificatePath];
        var thumbprint = configuration[CertificateThumbprint];
        if (string.IsNullOrWhiteSpace(path) && string.IsNullOrWhiteSpace(thumbprint))
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(path) && !string.IsNullOrWhiteSpace(thumbprint))
        {
            throw new InvalidOperationException($"Set either {CertificatePath} or {CertificateThumbprint}, not both.");
        }

        X509Certificate2 certificate;
        if (!string.IsNullOrWhiteSpace(path))
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"{CertificatePath} names no file: \"{path}\".");
            }

            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, configuration[CertificatePassword], X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (CryptographicException ex)
            {
                // The message never carries the password.
                throw new InvalidOperationException($"{CertificatePath} is not a PKCS#12 (PFX) file this {CertificatePassword} opens: {ex.Message}", ex);
            }
        }
        else
        {
            using var certificates = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            certificates.Open(OpenFlags.ReadOnly);
            var found = certificates.Certificates.Find(X509FindType.FindByThumbprint, thumbprint!.Replace(" ", string.Empty, StringComparison.Ordinal), validOnly: false);
            certificate = found.Count == 1 ? found[0] : throw new InvalidOperationException($"{CertificateThumbprint} names no certificate in the current user's store (My).");
        }

        return certificate.HasPrivateKey && certificate.GetRSAPrivateKey() is not null
            ? certificate
            : throw new InvalidOperationException("The data-protection certificate needs an RSA private key: the host decrypts its keys with it.");
    }
}
