using System.Globalization;

namespace Load.Bench;

/// <summary>Process ids from the pid files that scripts/run.sh and scripts/infra.sh keep.</summary>
public static class ProcessIds
{
    /// <summary>The first number in the file (run.sh writes "pid start-time boot-id"; postmaster.pid starts with the pid).</summary>
    public static int? FromPidFile(string path) =>
        File.Exists(path) && int.TryParse(File.ReadLines(path).FirstOrDefault()?.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;

    /// <summary>RabbitMQ's Erlang VM: the pid in the file, or the beam.smp started under it.</summary>
    public static int? Beam(string pidFile)
    {
        if (FromPidFile(pidFile) is not { } pid) return null;
        if (Comm(pid) == "beam.smp") return pid;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var child) || Comm(child) != "beam.smp") continue;
            var stat = Read($"/proc/{child}/stat");
            if (stat is not null && stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1] == pid.ToString(CultureInfo.InvariantCulture)) return child;
        }
        return null;
    }

    private static string? Comm(int pid) => Read($"/proc/{pid}/comm")?.Trim();

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
