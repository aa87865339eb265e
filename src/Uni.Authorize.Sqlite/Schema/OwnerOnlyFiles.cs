using Microsoft.Extensions.Logging;

namespace Uni.Authorize.Sqlite;

/// <summary>The database holds session keys and webhook secrets (protected, but still the host's): the file and its
/// <c>-wal</c>, <c>-shm</c> and <c>-journal</c> are readable by their owner only. SQLite creates the side files with the
/// database file's own mode, so a database created owner-only keeps them so.</summary>
internal static class OwnerOnlyFiles
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;
    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly string[] Suffixes = ["", "-wal", "-shm", "-journal"];

    /// <summary>Creates the database's folder (owner-only) and an empty database file (owner-only) when missing.</summary>
    public static void CreateDatabase(string path)
    {
        var folder = Path.GetDirectoryName(path);
        if (OperatingSystem.IsWindows())
        {
            if (folder is { Length: > 0 })
            {
                Directory.CreateDirectory(folder);
            }

            return;
        }

        if (folder is { Length: > 0 } && !Directory.Exists(folder))
        {
            // An existing folder may be shared with other programs: only one made here is narrowed.
            Directory.CreateDirectory(folder, OwnerFolder);
        }

        try
        {
            // An empty file is an empty SQLite database; another process creating it first is fine.
            using var created = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerFile });
        }
        catch (IOException) when (File.Exists(path))
        {
        }
    }

    /// <summary>Narrows the database file and its side files to owner-only, with a warning for each that was wider.</summary>
    public static void Restrict(string path, ILogger logger)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var suffix in Suffixes)
        {
            var file = path + suffix;
            try
            {
                if (!File.Exists(file) || (File.GetUnixFileMode(file) & Others) == 0)
                {
                    continue;
                }

                var mode = File.GetUnixFileMode(file);
                File.SetUnixFileMode(file, mode & ~Others);
                Log.FileNarrowed(logger, file, Octal(mode));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.FileNotNarrowed(logger, file, ex.Message);
            }
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
