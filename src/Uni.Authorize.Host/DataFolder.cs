using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Uni.Authorize.Host;

/// <summary>
/// The data folder holds the admin key, the demo apps' secrets, the data-protection keys and the SQLite database: it
/// is owner-only (0700) and so is every file in it (0600), checked on every start. A wider entry is narrowed and a
/// warning names it: refusing to start would strand every install an earlier version left readable, while narrowing
/// in silence would hide that its secrets may have been read (the operator may want to rotate them).
/// </summary>
internal static partial class DataFolder
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;
    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates <paramref name="directory"/> owner-only when missing (an existing one is narrowed by <see cref="Restrict"/>).</summary>
    public static void Create(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerFolder);
        }
    }

    /// <summary>Writes <paramref name="text"/> to a file only its owner can read, from the first byte on.</summary>
    public static async Task WriteOwnerOnlyAsync(string file, string text, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerFile;
        }

        await using (var stream = new FileStream(file, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        if (!OperatingSystem.IsWindows())
        {
            // A file that existed keeps its mode through FileMode.Create.
            File.SetUnixFileMode(file, OwnerFile);
        }
    }

    /// <summary>Makes <paramref name="directory"/> and every folder in it 0700 and every file 0600; with a
    /// <paramref name="logger"/>, warns for each one that was wider. Symbolic links are left alone.</summary>
    public static void Restrict(string directory, ILogger? logger)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory))
        {
            return;
        }

        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(directory));
        while (pending.TryPop(out var folder))
        {
            Narrow(folder, OwnerFolder, logger);
            foreach (var entry in folder.EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }

                if (entry is DirectoryInfo child)
                {
                    pending.Push(child);
                }
                else
                {
                    Narrow(entry, OwnerFile, logger);
                }
            }
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Narrow(FileSystemInfo entry, UnixFileMode target, ILogger? logger)
    {
        try
        {
            var mode = entry.UnixFileMode;
            if ((mode & Others) == 0)
            {
                return;
            }

            entry.UnixFileMode = (mode & ~Others) | target;
            if (logger is not null)
            {
                Narrowed(logger, entry.FullName, Convert.ToString((int)mode, 8).PadLeft(4, '0'), Convert.ToString((int)target, 8).PadLeft(4, '0'));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (logger is not null)
            {
                NotNarrowed(logger, entry.FullName, ex.Message);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "{Path} in the data folder could be read by other users (mode {Mode}); it is now {Target}. Whoever could read it may have copied the secrets it held: rotate the admin key, app and webhook secrets if in doubt")]
    private static partial void Narrowed(ILogger logger, string path, string mode, string target);

    [LoggerMessage(2, LogLevel.Warning, "{Path} in the data folder could be read by other users and could not be made owner-only: {Reason}")]
    private static partial void NotNarrowed(ILogger logger, string path, string reason);
}

/// <summary>The data-protection keys as files in the data folder, each owner-only from the moment it is written.</summary>
internal sealed class OwnerOnlyXmlRepository(DirectoryInfo directory, ILoggerFactory loggers) : FileSystemXmlRepository(directory, loggers)
{
    public override void StoreElement(XElement element, string friendlyName)
    {
        base.StoreElement(element, friendlyName);
        // Our own new file, not a finding: no warning.
        DataFolder.Restrict(Directory.FullName, logger: null);
    }
}
