namespace McastLab.Pipeline.Processes;

/// <summary>
/// POSIX shell quoting, the one place for it: a command line shown in the log (<see cref="ProcessRunner.Display"/>)
/// and a line handed to a remote shell (`vagrant ssh -c`). Plainly safe words stay bare; the rest go in single quotes.
/// </summary>
public static class ShellWords
{
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));
}
